"""Scripts that walk a case through the protocol, shared by the service, console and adapter tests."""

from __future__ import annotations

from flows.services import App, handle_message

INTAKE = ["nieuw", "2B", "1", "Anna de Jong", "Bram Smit, Cas Peters",
          "Ze sluiten haar buiten in de pauze", "nee"]
FASE1 = ["ja", "overslaan", "ja", "Niet meer buitensluiten in de pauze", "De mentor vraagt het elke week na",
         "Dan volgt een gesprek met de ouders (fase 3)", "ja", "overslaan", "ja"]
FASE2 = ["ja", "ja", "n.v.t."]
FASE3 = ["ja", "overslaan", "Bram en Cas laten Anna met rust", "De schoolleider spreekt hen elke week",
         "Dan volgt schorsing (fase 4)", "ja", "1", "nee", "ja", "ja", "n.v.t."]


class Chat:
    """One person talking to the bot through the services, as an adapter would."""

    def __init__(self, app: App, person_id: str = "jdevries") -> None:
        self.app, self.person_id = app, person_id
        self.transcript: list[str] = []

    def say(self, text: str) -> str:
        replies = handle_message(self.app, self.person_id, text)
        out = "\n".join(r.text for r in replies)
        self.transcript.append(f"> {text}\n{out}")
        return out

    def script(self, lines: list[str]) -> str:
        return "\n".join(self.say(line) for line in lines)

    def case_id(self) -> str:
        with self.app.uow() as uow:
            return uow.conversations.get(self.person_id).active_case_id

    def case(self):
        with self.app.uow() as uow:
            return uow.cases.get(self.case_id())
