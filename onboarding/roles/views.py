"""The role library (admin pages): browse, preview an upload or a paste and choose what to import, edit as a new version, history, export."""
from __future__ import annotations

import logging
from collections import Counter

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select

from onboarding.admin.blueprint import bp
from onboarding.core import clock
from onboarding.core.errors import ServiceError
from onboarding.core.formatting import plural
from onboarding.core.web import run_action, signed_in_user
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.roles.forms import (
    RoleImportConfirmForm,
    RoleImportForm,
    TemplateEditForm,
)
from onboarding.roles.models import RoleTemplate, RoleTemplateVersion
from onboarding.roles.operations import (
    edited_content,
    get_template_by_slug,
    import_role,
    latest_version,
    milestone_count,
    milestones_to_lines,
    preview_imports,
    save_edited_template,
)

logger = logging.getLogger(__name__)


@bp.get("/roles")
def roles():
    """The role library: every template with its newest version's phases and milestone counts."""
    rows = db.session.execute(
        select(RoleTemplate, RoleTemplateVersion)
        .join(RoleTemplateVersion, (RoleTemplateVersion.template_id == RoleTemplate.id)
              & (RoleTemplateVersion.number == RoleTemplate.latest_number))
        .order_by(RoleTemplate.title)
    ).all()
    library = [
        {"template": t, "version": v,
         "phases": [(p["key"], milestone_count(p)) for p in v.phases if p.get("due")]}
        for t, v in rows
    ]
    return render_template("admin/roles.html", library=library)


def _template_or_404(slug: str) -> RoleTemplate:
    template = get_template_by_slug(slug)
    if template is None:
        abort(404)
    return template


def _version_or_404(template: RoleTemplate, number: int | None) -> RoleTemplateVersion:
    if number is None:
        return latest_version(template)
    version = db.session.scalar(
        select(RoleTemplateVersion).where(RoleTemplateVersion.template_id == template.id,
                                          RoleTemplateVersion.number == number))
    if version is None:
        abort(404)
    return version


@bp.get("/roles/<slug>")
def role(slug: str):
    """One role: phases with theme and due offset, milestones, KPIs and guidance."""
    template = _template_or_404(slug)
    version = _version_or_404(template, request.args.get("version", type=int))
    return render_template("admin/role.html", template=template, version=version, content=version.content)


@bp.get("/roles/<slug>/history")
def role_history(slug: str):
    """Every version of a role with what changed."""
    template = _template_or_404(slug)
    versions = db.session.execute(
        select(RoleTemplateVersion, User.name)
        .outerjoin(User, User.id == RoleTemplateVersion.created_by_id)
        .where(RoleTemplateVersion.template_id == template.id)
        .order_by(RoleTemplateVersion.number.desc())
    ).all()
    return render_template("admin/role_history.html", template=template, versions=versions)


@bp.get("/roles/<slug>/export.<fmt>")
def role_export(slug: str, fmt: str):
    """Download a template as YAML or JSON that the importer reads back."""
    from onboarding.roles.reader import dump_export, role_to_export

    if fmt not in ("yaml", "json"):
        abort(404)
    template = _template_or_404(slug)
    version = _version_or_404(template, request.args.get("version", type=int))
    body = dump_export(role_to_export([version.content]), fmt)
    mimetype = "application/json" if fmt == "json" else "application/yaml"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{template.slug}-v{version.number}.{fmt}"'})


@bp.route("/roles/<slug>/edit", methods=["GET", "POST"])
def role_edit(slug: str):
    """Edit a template (milestones, sub-items, order, themes); saving makes a new version."""
    template = _template_or_404(slug)
    version = latest_version(template)
    content = version.content
    dated = [p for p in content["phases"]]
    form = TemplateEditForm()
    if request.method == "GET":
        form.title.data = content["title"]
        form.level.data = content.get("level", "")
        form.summary.data = content.get("summary", "")
        for phase in dated:
            form.phases.append_entry({"key": phase["key"], "theme": phase.get("theme", ""),
                                      "milestones": milestones_to_lines(phase.get("milestones", []))})
    elif form.validate_on_submit():
        def save():
            new_content = edited_content(
                content, title=form.title.data, level=form.level.data, summary=form.summary.data,
                phases=[entry.data for entry in form.phases],
            )
            return save_edited_template(template, new_content, now=clock.now(), actor=signed_in_user())

        new_version, problem = run_action(save)
        if problem:
            flash(problem.after("Not saved: "), "error")
        else:
            if new_version is None:
                flash("Nothing changed, so no new version was made.", "info")
                return redirect(url_for("admin.role", slug=template.slug))
            flash(f"Saved as version {new_version.number}. Plans already running keep their version.", "success")
            return redirect(url_for("admin.role", slug=template.slug))
    labels = {p["key"]: p.get("heading") or p["key"] for p in dated}
    return render_template("admin/role_edit.html", template=template, version=version, form=form, labels=labels)


#: how a pasted text is named in the preview and in the version's source
PASTED_SOURCE = "pasted text"


def _preview_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="role-import-preview")


def _read_upload(data: bytes, name: str) -> tuple[list[dict], str | None]:
    """One file's roles as dicts, or the one-line reason it cannot be read (never raises)."""
    from onboarding.roles.reader import BlueprintError, parse_document

    try:
        return [role.to_dict() for role in parse_document(data, name, max_bytes=current_app.config["IMPORT_MAX_BYTES"])], None
    except BlueprintError as exc:
        return [], str(exc)
    except Exception as exc:  # one broken file must never stop a batch, nor the page
        logger.exception("unexpected error reading %s", name)
        return [], f"could not be read ({type(exc).__name__})"


def _render_preview(roles: list[dict], errors: list[dict], confirm: RoleImportConfirmForm | None, status: int = 200,
                    previews: list | None = None):
    """The preview page: each role with whether it is new, unchanged or changed, and its checkbox."""
    previews = preview_imports(roles) if previews is None else previews
    return render_template("admin/roles_preview.html", roles=roles, previews=previews, errors=errors,
                           confirm=confirm), status


@bp.route("/roles/import", methods=["GET", "POST"])
def roles_import():
    """Upload documents or paste a text, and preview what would be imported, before anything is saved."""
    form = RoleImportForm()
    # A browser sends one empty part when no file is chosen; that is "no file", not an empty file.
    uploads = [u for u in request.files.getlist(form.documents.name) if u.filename]
    is_valid = form.validate_on_submit()
    pasted = (form.pasted.data or "").replace("\r\n", "\n")
    if is_valid and not uploads and not pasted.strip():
        form.documents.errors = ["Choose at least one file, or paste the text."]
        is_valid = False
    if not is_valid:
        return render_template("admin/roles_import.html", form=form), 400 if request.method == "POST" else 200
    limit = current_app.config["IMPORT_MAX_BYTES"]
    parsed, errors = [], []
    sources = [(u.stream.read(limit + 1), u.filename or "upload") for u in uploads]  # one byte more tells "too large"
    if pasted.strip():
        sources.append((pasted.encode("utf-8"), PASTED_SOURCE))
    for data, name in sources:
        roles, error = _read_upload(data, name)
        parsed.extend(roles)
        if error:
            errors.append({"source": name, "error": error})
    # A role the library would refuse (no title, too many milestones ...) is an error here already.
    importable, previews = [], []
    for role, preview in zip(parsed, preview_imports(parsed)):
        if preview.problem:
            errors.append({"source": role.get("source") or "", "error": preview.problem})
        else:
            importable.append(role)
            previews.append(preview)
    confirm = None
    if importable:
        confirm = RoleImportConfirmForm(formdata=None, payload=_preview_serializer().dumps(importable))
        confirm.chosen.choices = [(index, role["title"]) for index, role in enumerate(importable)]
        confirm.chosen.data = list(range(len(importable)))
    return _render_preview(importable, errors, confirm, previews=previews)


@bp.post("/roles/import/confirm")
def roles_import_confirm():
    """Save the roles ticked in the preview; the others are left out."""
    form = RoleImportConfirmForm()
    try:
        roles = _preview_serializer().loads(form.payload.data or "")
        if not isinstance(roles, list) or not all(isinstance(role, dict) for role in roles):
            raise BadData("not a preview")
    except BadData:
        flash("That preview could not be read. Upload the documents again.", "error")
        return redirect(url_for("admin.roles_import"))
    form.chosen.choices = [(index, role.get("title") or "") for index, role in enumerate(roles)]
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash("That choice could not be read. Tick the roles to import again.", "error")
        return _render_preview(roles, [], form, 400)
    chosen = set(form.chosen.data or [])
    if not chosen:
        flash("Nothing imported: tick at least one role.", "error")
        return _render_preview(roles, [], form, 400)
    results, problems = [], []
    for index, role in enumerate(roles):
        if index not in chosen:
            continue
        try:
            with db.session.begin_nested():
                results.append(import_role(role, now=clock.now(), actor=current_user))
        except ServiceError as exc:
            problems.append(f"{role.get('source')}: {exc}")
    db.session.commit()
    flash(_import_summary(results, problems), "success" if results and not problems else "warning" if results else "error")
    for result in results:
        message = {
            "created": f"Created {result.template.title} (version 1).",
            "updated": f"{result.template.title}: saved as version {result.version.number}.",
            "unchanged": f"{result.template.title}: unchanged, no new version.",
        }[result.outcome]
        flash(message, "success" if result.outcome != "unchanged" else "info")
    left_out = [role.get("title") or role.get("source") for index, role in enumerate(roles) if index not in chosen]
    if left_out:
        flash(f"Left out (not ticked): {', '.join(left_out)}.", "info")
    for problem in problems:
        flash(f"Not imported: {problem}", "error")
    return redirect(url_for("admin.roles"))


def _import_summary(results: list, problems: list[str]) -> str:
    """The headline of an import's one message box: how many roles, and what became of them."""
    counts = Counter(result.outcome for result in results)
    parts = [f"{counts[outcome]} {word}" for outcome, word in
             (("created", "new"), ("updated", "with a new version"), ("unchanged", "unchanged")) if counts[outcome]]
    text = f"Imported {plural(len(results), 'role')}" + (f" ({', '.join(parts)})" if parts else "")
    return text + (f"; {plural(len(problems), 'role')} not imported." if problems else ".")
