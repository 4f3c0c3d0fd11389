"""Role templates and their versions: what a blueprint document becomes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.core.db import Base, UTCDateTime, utcnow


class RoleTemplate(Base):
    __tablename__ = "role_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(60), default="")
    #: number of the newest version (denormalised so the library lists without a subquery)
    latest_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[RoleTemplateVersion]] = relationship(
        back_populates="template", order_by="RoleTemplateVersion.number", cascade="all, delete-orphan"
    )


class RoleTemplateVersion(Base):
    """One immutable version of a role template; plans point at the version they were made from."""

    __tablename__ = "role_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("role_templates.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: the role as the reader's preview shape (title, summary, level, phases, guidance, kpis)
    content: Mapped[dict] = mapped_column(JSON)
    #: sha256 of the canonical content: an unchanged re-import adds no version
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(300), default="")
    source_format: Mapped[str] = mapped_column(String(30), default="")
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    #: human summary of what changed from the previous version
    change_summary: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    template: Mapped[RoleTemplate] = relationship(back_populates="versions")

    @property
    def phases(self) -> list[dict]:
        return self.content.get("phases", [])
