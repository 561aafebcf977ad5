"""Checks e-invoices against the official rule sets, as the receiving side will.

The rules are published as Schematron compiled to XSLT 2.0, which lxml (libxslt, XSLT 1.0) cannot
run; saxonche (Saxon-HE, no Java) can. They are not part of this repository: they live in
`../shared/validation` beside the clone, or wherever SAMEN_EINVOICE_RULES points.

Compiling a rule set takes about half a second, so each is compiled once per process and kept;
one Saxon processor serves the process. A compiled stylesheet must not run two transformations
at once, so every validation runs on its own clone (microseconds), which makes `validate` safe to
call from several threads.
"""

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor, PyXsltExecutable

ENV_VAR = "SAMEN_EINVOICE_RULES"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
FAILURE_FLAGS = ("fatal", "error")


class RulesUnavailable(RuntimeError):
    """The rule sets are not on this machine."""


@dataclass(frozen=True)
class RuleSet:
    """A compiled Schematron rule set, by its path under `rules_dir()`."""

    name: str
    path: str


SI_UBL = RuleSet("si-ubl-2.0", "si-ubl-2.0/si-ubl-2.0.xsl")
EN16931 = RuleSet("en16931", "en16931/EN16931-UBL-validation.xslt")
#: SI-UBL 2.0 rejects every other CustomizationID, so a Peppol BIS document is checked against
#: the EN 16931 core only (the Peppol BIS rules themselves are not among the shared artefacts).
PROFILES: dict[str, tuple[RuleSet, ...]] = {"si-ubl": (SI_UBL, EN16931), "peppol": (EN16931,)}


@dataclass(frozen=True)
class Finding:
    """A failed assertion: fatal and error reject the document, warnings are advice."""

    rule_set: str
    rule: str
    flag: str
    location: str
    text: str

    @property
    def is_failure(self) -> bool:
        return self.flag in FAILURE_FLAGS


def rules_dir() -> Path:
    """SAMEN_EINVOICE_RULES, else the `shared/validation` folder beside the repository."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "validation"


def rules_available() -> bool:
    return all((rules_dir() / rule_set.path).is_file() for rule_set in (SI_UBL, EN16931))


_lock = threading.Lock()
_processor: PySaxonProcessor | None = None
_compiled: dict[Path, PyXsltExecutable] = {}


def _saxon() -> PySaxonProcessor:
    global _processor
    with _lock:
        if _processor is None:
            _processor = PySaxonProcessor(license=False)
        return _processor


def _executable(rule_set: RuleSet) -> PyXsltExecutable:
    """A private clone of the rule set's compiled stylesheet, compiling it on first use."""
    path = rules_dir() / rule_set.path
    if not path.is_file():
        raise RulesUnavailable(f"{rule_set.name} rules not found at {path}; set {ENV_VAR}")
    processor = _saxon()
    with _lock:
        if path not in _compiled:
            compiler = processor.new_xslt30_processor()
            _compiled[path] = compiler.compile_stylesheet(stylesheet_file=str(path))
        return _compiled[path].clone()


def load_rules() -> None:
    """Compile every rule set now (at start-up, or once per test module) instead of on first
    use; raises RulesUnavailable if they are missing."""
    for rule_set in (SI_UBL, EN16931):
        _executable(rule_set)


def _rule_id(assertion: etree._Element, text: str) -> str:
    """The assertion's id; a few SI-UBL assertions only name it in their text: "[BR-NL-1] ..."."""
    if assertion.get("id"):
        return assertion.get("id")
    match = re.match(r"\[([^\]]+)\]", text)
    return match.group(1) if match else ""


def _findings(rule_set: RuleSet, svrl: str) -> list[Finding]:
    report = etree.fromstring(svrl.encode("utf-8"))
    findings = []
    for assertion in report.iter(f"{SVRL}failed-assert"):
        text = " ".join(assertion.findtext(f"{SVRL}text", "").split())
        findings.append(
            Finding(
                rule_set=rule_set.name,
                rule=_rule_id(assertion, text),
                flag=assertion.get("flag", "error"),
                location=assertion.get("location", ""),
                text=text,
            )
        )
    return findings


def validate(xml: bytes | str, profile: str = "si-ubl") -> list[Finding]:
    """All findings of the profile's rule sets on the document, in rule-set and document order.
    Raises ValueError for an unknown profile or XML that is not well-formed."""
    if profile not in PROFILES:
        raise ValueError(f"unknown e-invoice profile {profile!r}")
    executables = [(rule_set, _executable(rule_set)) for rule_set in PROFILES[profile]]
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    try:
        node = _saxon().parse_xml(xml_text=text, encoding="UTF-8")
    except PySaxonApiError as error:
        raise ValueError(f"not well-formed XML: {error}") from error
    findings = []
    for rule_set, executable in executables:
        svrl = executable.transform_to_string(xdm_node=node)
        findings.extend(_findings(rule_set, svrl))
    return findings
