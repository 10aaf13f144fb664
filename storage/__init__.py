"""Persistence: SQLAlchemy 2.0 tables mapped onto the domain classes of flows/, repositories, unit of work."""
