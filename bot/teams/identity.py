"""Who a Teams activity comes from: the school person its account belongs to (by the Teams id or the Entra
object id in the school config), and the tenant it claims."""

from __future__ import annotations

from botbuilder.schema import Activity, ChannelAccount

from flows.school import Person, SchoolConfig


def person_of(school: SchoolConfig, account: ChannelAccount | None) -> Person | None:
    if account is None:
        return None
    return (school.by_platform_id("teams", account.id or "")
            or (account.aad_object_id and school.by_platform_id("teams", account.aad_object_id)) or None)


def tenant_of(activity: Activity) -> str | None:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    return tenant.get("id") or (activity.conversation.tenant_id if activity.conversation else None)
