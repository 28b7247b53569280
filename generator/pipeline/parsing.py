"""Parsing a content tree into documents, reusing the last build's where unchanged."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from generator.config import Config
from generator.errors import Problem, SourceError
from generator.model import Article, Page, Source, Term, evolve
from generator.pipeline.options import BuildOptions
from generator.processes import worker_count
from generator.source.files import ContentTree, with_text
from generator.source.parallel import ParseWorkers, parse_many
from generator.source.parse import Parsed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParseOutcome:
    documents: tuple[Article | Page, ...]
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    parsed: int  # how many were parsed rather than taken from the cache
    memo: dict[tuple[str, str], Parsed] = field(default_factory=dict)  # for the next build


def parse_all(
    tree: ContentTree,
    config: Config,
    previous: Mapping[tuple[str, str], Parsed] | None = None,
    options: BuildOptions = BuildOptions(jobs=1),
    workers: ParseWorkers | None = None,
) -> ParseOutcome:
    """Return every document of `tree`, parsing only those `previous` (the last build's
    documents memo, never changed) does not hold, with the processes `options` ask for (or
    in `workers`). The outcome's `memo` holds exactly the documents of this tree.
    """
    previous = previous or {}
    errors, warnings = list(tree.errors), list(tree.skipped)
    sources: list[Source] = []
    for source in tree.sources:
        if source.text is None and (source.path, source.digest) not in previous:
            loaded = with_text(source)  # left unread, but it must be parsed after all
            if isinstance(loaded, Problem):
                errors.append(loaded)
                continue
            source = loaded
        sources.append(source)
    missing = [s for s in sources if (s.path, s.digest) not in previous]
    jobs, method = worker_count(options.jobs), options.start_method
    terms: dict[Term, Term] = {}
    fresh = {
        s.path: _share_terms(outcome, terms)
        for s, outcome in zip(
            missing, parse_many(missing, config, jobs, method, workers), strict=True
        )
    }
    current: dict[tuple[str, str], Parsed] = {}
    documents: list[Article | Page] = []
    last_good = {key[0]: (key, p) for key, p in previous.items()} if options.last_good else {}
    for source in sources:
        key = (source.path, source.digest)
        outcome = fresh.get(source.path) or previous[key]
        if isinstance(outcome, SourceError):
            errors.append(outcome.problem)
            if source.path in last_good:
                good_key, good = last_good[source.path]
                current[good_key] = good
                documents.append(good.document)
            continue
        current[key] = outcome
        documents.append(outcome.document)
        warnings.extend(outcome.warnings)
        for note in outcome.notes:
            log.info("%s", note)
    return ParseOutcome(tuple(documents), tuple(errors), tuple(warnings), len(missing), current)


def _share_terms(outcome: Parsed | SourceError, terms: dict[Term, Term]) -> Parsed | SourceError:
    """Return `outcome` with its article's tags, authors and section taken from `terms`
    (equal terms, one object): the cache then stores and loads each once, and a large site
    holds thousands of objects fewer."""
    if not isinstance(outcome, Parsed) or not isinstance(outcome.document, Article):
        return outcome
    doc = outcome.document
    section = terms.setdefault(doc.section, doc.section) if doc.section else None
    shared = evolve(
        doc,
        tags=tuple(terms.setdefault(t, t) for t in doc.tags),
        authors=tuple(terms.setdefault(a, a) for a in doc.authors),
        section=section,
    )
    return replace(outcome, document=shared)
