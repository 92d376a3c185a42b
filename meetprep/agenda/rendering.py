"""Rendering one Word template with docxtpl in a sandboxed, autoescaping Jinja environment with
StrictUndefined (a misspelt field is an error naming the template), the document's language set
for spelling and hyphenation, and where a body's templates are and what they hash to."""

from __future__ import annotations

import hashlib
import io
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from meetprep.errors import TemplateProblem
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from collections import OrderedDict
from meetprep.agenda.template_check import refuse_unknown_fields


def plain_jinja_environment():
    """A new sandboxed, autoescaping environment, as a docxtpl user would pass one."""
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


@lru_cache(maxsize=1)
def jinja_environment():
    """The process's sandboxed environment for Word templates, which compiles each template
    part once. docxtpl compiles a part's XML with `from_string` for every document it renders:
    the 25 papers of a meeting from one template were 25 compilations of the same text, a third
    of the rendering time. A template edited in Word has new XML, so it is compiled anew; the
    context of each document is passed to `render`, never kept in the environment."""

    class CompilingOnce(SandboxedEnvironment):
        size = 64  # template parts (document, headers, footers) of a few dozen templates

        def __init__(self, **options: Any):
            super().__init__(**options)
            self.compiled: OrderedDict[tuple[str, bool], Any] = OrderedDict()

        def from_string(self, source, globals=None, template_class=None):
            if globals or template_class or not isinstance(source, str):
                return super().from_string(source, globals, template_class)
            key = (source, bool(self.autoescape))  # docxtpl sets autoescape before it renders
            template = self.compiled.get(key)
            if template is None:
                template = self.compiled[key] = super().from_string(source)
                if len(self.compiled) > self.size:
                    self.compiled.popitem(last=False)
            else:
                self.compiled.move_to_end(key)
            return template

    return CompilingOnce(undefined=StrictUndefined, autoescape=True)


def render_docx(template: Path, context: dict[str, Any]) -> bytes:
    """Render one template to the bytes of a .docx; a template named after a document kind
    (vorlage.docx) is checked against the fields its documents receive first."""
    from docxtpl import DocxTemplate  # deferred: see docs/architecture.md
    if not template.is_file():
        raise TemplateProblem(f"template {template} is missing")
    try:
        # Every field the template names, in every branch, before anything is rendered: a
        # misspelt one fails here with the nearest valid names (meetprep.agenda.template_check).
        refuse_unknown_fields(template)
        document = DocxTemplate(template)
        document.render(context, jinja_env=jinja_environment(), autoescape=True)
    except TemplateError as exc:
        raise TemplateProblem(f"template {template} cannot be rendered: {exc}") from exc
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:  # saved as something other than .docx, or damaged
        raise TemplateProblem(f"template {template} cannot be opened as a Word document "
                              f"({type(exc).__name__}: {exc}); save it again as .docx") from exc
    properties = context.get("properties") or {}
    if properties:
        # The PDF's /Title and /Lang come from these (PDF/UA: a title shown instead of the file name).
        core = document.docx.core_properties
        core.title = properties.get("title") or core.title
        if properties.get("language"):
            core.language = properties["language"]
            _set_language(document.docx, properties["language"])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _set_language(docx: Any, language: str) -> None:
    """The text's language (the styles' w:lang), which LibreOffice writes as the PDF's /Lang. A
    template made from Word's default carries en-US; the body's language wins."""
    from docx.oxml import OxmlElement  # deferred: see docs/architecture.md
    from docx.oxml.ns import qn  # deferred: see docs/architecture.md
    styles = docx.styles.element
    langs = styles.findall(".//" + qn("w:lang"))
    if not langs:
        defaults = styles.find(qn("w:docDefaults"))
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
        if rpr is None:
            return
        langs = [OxmlElement("w:lang")]
        rpr.append(langs[0])
    for lang in langs:
        lang.set(qn("w:val"), language)


def template_path(templates_dir: Path, locale: str, kind: str) -> Path:
    return templates_dir / locale / f"{kind}.docx"


def template_hashes(templates_dir: Path, locale: str, kinds: list[str]) -> dict[str, str]:
    hashes = {}
    for kind in kinds:
        path = template_path(templates_dir, locale, kind)
        hashes[kind] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
    return hashes
