"""Templates compiled ahead: a forked process compiles a theme while the build reads.

Compiling the default theme's templates takes some 50 ms, as long as the rest of a one-edit
rebuild's rendering; and the persistent cache holds no compiled code (a planted cache would
run it). So a process forked after the inputs are read compiles every template while this
one reads the cache, parses and assembles the site. Its code objects come back through a
pipe, straight from that process and never through a file; the environment takes them as a
bytecode cache, each checked against its template's source. Whatever does not come back
(a template with a syntax error, a process that failed) is compiled here, as without it.
"""

from __future__ import annotations

import marshal
import os
import signal
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from types import CodeType

import jinja2

from generator.processes import signals_held, start_worker
from generator.render.templatetree import ThemeTemplate
from generator.render.themes import TEMPLATE_SUFFIXES

# Compiled code of a template, by bytecode cache key: (source checksum, code).
Compiled = dict[str, tuple[str, CodeType]]


class Ahead(jinja2.BytecodeCache):
    """Code for an environment's templates, compiled by the process `pid` and read from
    `pipe` when the environment first loads a template."""

    def __init__(self, pid: int, pipe: int) -> None:
        self._pid, self._pipe = pid, pipe
        self._reader = os.getpid()  # not a render worker forked before the code came
        self._compiled: Compiled | None = None

    def received(self) -> Compiled:
        """Return the code the process compiled, waiting for it; {} if it failed."""
        if self._compiled is None:
            if os.getpid() != self._reader:  # a worker forked before it came: none for it
                return {}
            with open(self._pipe, "rb") as pipe:
                data = pipe.read()
            os.waitpid(self._pid, 0)
            try:
                compiled = marshal.loads(data)
            except (EOFError, ValueError, TypeError):  # the process failed before the end
                compiled = {}
            self._compiled = compiled if isinstance(compiled, dict) else {}
        return self._compiled

    def stop(self) -> None:
        """End the process if its code was never read (a build that failed before)."""
        if self._compiled is None and os.getpid() == self._reader:
            self._compiled = {}
            os.close(self._pipe)
            with suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        kept = self.received().get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:  # the source read now
            bucket.code = kept[1]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        pass  # the environment keeps what it compiled itself


@contextmanager
def compiled_ahead(
    env: jinja2.Environment, templates: Mapping[str, ThemeTemplate], start: bool
) -> Iterator[None]:
    """Run the block with `templates` compiled for `env` by a forked process if `start`,
    else as they are (compiled when first used)."""
    if not start or env.bytecode_cache is not None:
        yield
        return
    read, write = os.pipe()
    parent = os.getpid()
    with signals_held():  # a Ctrl-C reaches the child set up, never half-way
        pid = os.fork()
    if pid == 0:  # the forked process: it only compiles, and never returns from here
        status = 1
        try:
            os.close(read)
            start_worker(parent)
            with open(write, "wb") as pipe:
                pipe.write(marshal.dumps(_compiled(env, templates)))
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    ahead = Ahead(pid, read)
    env.bytecode_cache = ahead
    try:
        yield
    finally:
        ahead.stop()
        env.bytecode_cache = None


def _compiled(env: jinja2.Environment, templates: Mapping[str, ThemeTemplate]) -> Compiled:
    """Return the code of every template that compiles, keyed as the environment asks."""
    cache = jinja2.BytecodeCache()
    compiled: Compiled = {}
    for name, template in templates.items():
        if template.facts.error is not None or not name.endswith(TEMPLATE_SUFFIXES):
            continue
        try:
            code = env.compile(template.source, name, template.filename)
        except jinja2.TemplateError:  # reported when this build compiles it itself
            continue
        key = cache.get_cache_key(name, template.filename)
        compiled[key] = (cache.get_source_checksum(template.source), code)
    return compiled
