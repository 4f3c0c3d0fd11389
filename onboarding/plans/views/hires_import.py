"""Importing hires from a CSV file in the web UI: upload, preview with line-numbered errors, save."""
from __future__ import annotations

import base64
import binascii

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField

from onboarding.admin.blueprint import bp
from onboarding.core import clock
from onboarding.core.errors import ServiceError
from onboarding.core.web import form_errors, signed_in_user
from onboarding.extensions import db
from onboarding.people.forms import invite_field
from onboarding.plans.hires_csv import read_hires_csv
from onboarding.plans.hires_import import import_hire_rows, role_lookup

SAMPLE_CSV = "sample-hires.csv"


class HiresImportForm(FlaskForm):
    file = FileField("CSV file")
    #: the previewed file, carried to the save step so exactly what was previewed is saved
    content = HiddenField()
    save = BooleanField()
    invite = invite_field()


def _uploaded(form: HiresImportForm) -> bytes:
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if form.content.data:
        try:
            data = base64.b64decode(form.content.data.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeError, ValueError):
            raise ServiceError("the previewed file was damaged; choose it again") from None
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ServiceError("choose a CSV file first")
        data = upload.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(f"the file is larger than {limit // 1_000_000} MB")
    rows = read_hires_csv(data)
    if not rows:
        raise ServiceError("the file has a header row but no hires")
    return data


@bp.route("/hires/import", methods=["GET", "POST"])
def hires_import():
    """Upload a hires CSV, see what would happen line by line, then save (same rules as `hires import`)."""
    form = HiresImportForm()
    if request.method == "GET" or not form.validate_on_submit():
        if request.method == "POST":
            flash("Not imported: " + form_errors(form), "error")
        return render_template("admin/hires_import.html", form=form, report=None, sample=SAMPLE_CSV), \
            (400 if request.method == "POST" else 200)
    try:
        data = _uploaded(form)
    except ServiceError as exc:
        message = str(exc)
        flash("Not imported: " + message[:1].lower() + message[1:] + ".", "error")
        return render_template("admin/hires_import.html", form=form, report=None, sample=SAMPLE_CSV), 400
    rows = read_hires_csv(data)
    saving = bool(form.save.data)
    try:
        report = import_hire_rows(rows, role_lookup(), clock.now(), invite=bool(form.invite.data),
                                  actor=signed_in_user(), preview=not saving)
    except ServiceError as exc:  # the file is damaged further down: nothing is imported
        db.session.rollback()
        message = str(exc)
        flash("Not imported: " + message[:1].lower() + message[1:] + ".", "error")
        return render_template("admin/hires_import.html", form=form, report=None, sample=SAMPLE_CSV), 400
    if saving:
        db.session.commit()
        flash(f"Imported {report.added} hire(s); {len(report.skipped)} skipped (already have a plan); "
              f"{len(report.failed)} row(s) failed" + (f"; {report.invited} invitation(s) on their way." if report.invited
                                                       else "."), "success" if not report.failed else "warning")
        for line, message in report.problems():
            flash(f"Line {line}: {message}", "warning")
        return redirect(url_for("admin.plans"))
    preview = report.preview
    db.session.rollback()  # a preview writes nothing
    form.content.data = base64.b64encode(data).decode("ascii")
    return render_template("admin/hires_import.html", form=form, report=report, preview=preview, sample=SAMPLE_CSV)
