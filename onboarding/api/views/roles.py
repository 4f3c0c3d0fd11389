"""Role templates: list, read one (its newest version), import a blueprint document."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from onboarding.api.auth import api_user
from onboarding.api.blueprint import bp, spec
from onboarding.api.errors import ApiProblem, sentence
from onboarding.api.idempotency import perform
from onboarding.api.schemas import Role, RoleDocument, RoleImport, RoleList
from onboarding.api.views.common import body, require_admin, responses
from onboarding.core import clock
from onboarding.extensions import db
from onboarding.roles.models import RoleTemplate, RoleTemplateVersion
from onboarding.roles.operations import get_template_by_slug, import_role, latest_version

TAGS = ["roles"]


def role_json(template: RoleTemplate, version: RoleTemplateVersion) -> dict:
    content = version.content or {}
    return {"slug": template.slug, "title": template.title, "level": template.level or "", "version": version.number,
            "summary": content.get("summary") or "", "phases": content.get("phases") or [],
            "guidance": content.get("guidance") or {}, "kpis": content.get("kpis") or []}


@bp.get("/roles")
@spec.validate(resp=responses(200, RoleList), tags=TAGS)
def list_roles():
    """Every role template, by title."""
    rows = db.session.scalars(select(RoleTemplate).order_by(RoleTemplate.title, RoleTemplate.id))
    return {"data": [{"slug": t.slug, "title": t.title, "level": t.level or "", "version": t.latest_number}
                     for t in rows]}


@bp.get("/roles/<string(maxlength=200):slug>")
@spec.validate(resp=responses(200, Role, 404), tags=TAGS)
def get_role(slug: str):
    """One role template: its newest version's phases, milestones, guidance and KPIs."""
    template = get_template_by_slug(slug)
    if template is None:
        raise ApiProblem(404, f"There is no role template '{slug[:80]}'.")
    return role_json(template, latest_version(template))


@bp.post("/roles")
@spec.validate(json=RoleDocument, resp=responses(201, RoleImport, 403, 422), tags=TAGS)
def import_document():
    """Import a blueprint document (admins): a new role, a new version of it, or nothing when unchanged."""
    from onboarding.roles.reader import BlueprintError, parse_document

    user = api_user()
    require_admin(user)
    data: RoleDocument = body()
    try:
        parsed = parse_document(data.document.encode("utf-8", "replace"), data.filename,
                                max_bytes=current_app.config["IMPORT_MAX_BYTES"])
    except BlueprintError as exc:
        raise ApiProblem(422, sentence(str(exc))) from None
    if not parsed:
        raise ApiProblem(422, "The document holds no role.")

    def action() -> dict:
        results = [import_role(role.to_dict(), now=clock.now(), actor=user) for role in parsed]
        db.session.flush()
        return {"data": [role_json(r.template, r.version) for r in results],
                "outcomes": [r.outcome for r in results],
                "warnings": [w for role in parsed for w in role.warnings]}

    return perform(action, 201)
