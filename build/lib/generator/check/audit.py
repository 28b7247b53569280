"""Checking a finished site in place (`build.py check`): for sites whose output is
post-processed after the build, and for external links, which no build checks."""

from __future__ import annotations

from dataclasses import dataclass

from generator.check.external import check_external
from generator.check.findings import judge
from generator.check.links import check_links, read_folder
from generator.check.locate import Locator
from generator.check.refs import scan
from generator.config import Config
from generator.errors import Finding


@dataclass(frozen=True)
class Audit:
    findings: tuple[Finding, ...]
    pages: int
    files: int


def audit_output(
    config: Config, strict: bool = False, external: bool = False, timeout: float = 10.0
) -> Audit:
    """Return the link, image and anchor findings over the files in config.output_dir;
    with `external`, links to other sites are fetched too."""
    pages, paths = read_folder(config.output_dir)
    locator = Locator(config, {}, None, config.output_dir)
    scans = {p: scan(t) for p, t in pages.items()}
    raw = check_links(dict.fromkeys(scans), scans.__getitem__, paths, {}, config, locator)
    if external and config.check_level("external_links") != "off":
        raw += check_external(pages, config, locator, timeout=timeout)
    return Audit(tuple(judge(raw, config, strict)), len(pages), len(paths))
