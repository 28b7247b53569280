"""The processed images kept in .cache/images/: pruned after a build of what none of its
images used, never by the preview or --no-cache, never through a link, never failing a
build; and a file found missing is made again."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from conftest import article, tree
from test_image_variants import photo

from generator.config import load_config
from generator.incremental import cache as cache_module
from generator.incremental.cache import BuildCache
from generator.incremental.imagestore import ImageStore
from generator.pipeline.build import BuildOptions, build

STORE = ".cache/images"


def two_photos(make_site) -> Path:
    return make_site(
        {
            "content/articles/a.md": article("A", image="/images/a.jpg", image_alt="A"),
            "content/articles/b.md": article(
                "B", date="2024-02-10", image="/images/b.jpg", image_alt="B"
            ),
            "content/images/a.jpg": photo((1300, 700)),
            "content/images/b.jpg": photo((900, 600), "PNG"),
        }
    )


def built(site: Path, **options) -> None:
    build(load_config(site / "site.yaml"), BuildOptions(jobs=1, **options))


def stored(site: Path) -> set[str]:
    """Return the names of the files of the store (keys: the same for the same image,
    settings and code wherever the site is)."""
    return {p.name for p in (site / STORE).rglob("*") if p.is_file() and not p.is_symlink()}


def aged(site: Path) -> None:
    """Make every file of the store older than a build beside this one could have made it."""
    old = time.time() - 3600
    for file in (site / STORE).rglob("*"):
        os.utime(file, (old, old), follow_symlinks=False)


def fresh_store(site: Path, tmp_path: Path) -> set[str]:
    """Return what the store holds after a first build of a copy of `site`."""
    copy = tmp_path / "copy"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".cache", "output"))
    built(copy)
    return stored(copy)


def without_b(site: Path) -> None:
    """Take b.jpg and the story it leads out of the site."""
    (site / "content/articles/b.md").unlink()
    (site / "content/images/b.jpg").unlink()


def test_a_build_removes_what_no_image_of_it_used(make_site, tmp_path, monkeypatch):
    site = two_photos(make_site)
    monkeypatch.chdir(site)
    built(site)
    first = stored(site)
    # b.jpg and its story go, a.jpg is another photo, and the quality changes.
    without_b(site)
    (site / "content/images/a.jpg").write_bytes(photo((1400, 800)))
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "image_quality: 70\n")
    aged(site)
    built(site)
    now = stored(site)
    assert now == fresh_store(site, tmp_path)
    assert not now & first  # each file of the first build was of an image or setting gone


def test_what_is_not_the_stores_own_is_left_and_no_link_is_followed(
    make_site, tmp_path, monkeypatch
):
    site = two_photos(make_site)
    monkeypatch.chdir(site)
    built(site)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ("0" * 40)).write_bytes(b"not the store's")
    store = site / STORE
    (store / "notes.txt").write_text("mine")
    (store / "00").mkdir(exist_ok=True)
    (store / "00" / "notes.txt").write_text("mine too")
    (store / "ff").symlink_to(outside)  # a folder that is a link: not entered
    (store / "00" / ("1" * 40)).symlink_to(outside / ("0" * 40))  # a link: not a file
    left = store / "00" / f"{'2' * 40}.4242.part"  # a save cut short
    left.write_bytes(b"half")
    (site / "content/images/a.jpg").write_bytes(photo((1400, 800)))
    aged(site)
    built(site)
    assert (store / "notes.txt").read_text() == "mine"
    assert (store / "00" / "notes.txt").read_text() == "mine too"
    assert (outside / ("0" * 40)).read_bytes() == b"not the store's"
    assert (store / "00" / ("1" * 40)).is_symlink()
    assert not left.exists()


def test_files_saved_since_the_build_began_are_left(make_site, monkeypatch):
    # A build or a preview beside this one may have just made them for its own pages.
    site = two_photos(make_site)
    monkeypatch.chdir(site)
    built(site)
    first = stored(site)
    (site / "content/images/a.jpg").write_bytes(photo((1400, 800)))
    built(site)
    assert first <= stored(site)


def test_the_preview_and_no_cache_builds_prune_nothing(make_site, monkeypatch):
    site = two_photos(make_site)
    monkeypatch.chdir(site)
    built(site)
    first = stored(site)
    without_b(site)
    aged(site)
    built(site, use_cache=False)
    # The preview keeps its cache in memory, and shows drafts a build leaves out.
    build(load_config(site / "site.yaml"), BuildOptions(jobs=1), cache=BuildCache())
    assert stored(site) == first


def test_a_file_that_cannot_be_removed_fails_nothing(make_site, monkeypatch):
    site = two_photos(make_site)
    monkeypatch.chdir(site)
    built(site)
    (site / "content/images/a.jpg").write_bytes(photo((1400, 800)))
    aged(site)

    unlink = os.unlink

    def refused(path, *args, **kwargs):
        if STORE in str(path):
            raise PermissionError(13, "Permission denied", path)
        return unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refused)
    built(site)
    monkeypatch.undo()
    assert (site / "output/images/a-card.jpg").is_file()


def test_a_file_gone_between_looking_and_reading_is_made_again(make_site, monkeypatch):
    # As when another build prunes it meanwhile: the build is slower, never wrong.
    site = two_photos(make_site)
    monkeypatch.chdir(site)
    built(site)
    first = tree(site / "output")
    shutil.rmtree(site / "output")
    get = ImageStore.get

    def pruned_meanwhile(store, key):
        for file in (site / STORE).glob(f"*/{key}"):
            file.unlink()
        return get(store, key)

    monkeypatch.setattr(ImageStore, "get", pruned_meanwhile)
    built(site)
    assert tree(site / "output") == first


def test_a_change_to_the_rest_of_the_generator_keeps_the_processed_images(make_site, monkeypatch):
    site = two_photos(make_site)
    monkeypatch.chdir(site)
    built(site)
    first = {p: p.stat().st_mtime_ns for p in (site / STORE).rglob("*") if p.is_file()}
    # Other code: the cache is not used (every document is parsed again) ...
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "other code")
    result = build(load_config(site / "site.yaml"), BuildOptions(jobs=1))
    assert result.parsed == 2
    # ... but no image is made again.
    assert {p: p.stat().st_mtime_ns for p in (site / STORE).rglob("*") if p.is_file()} == first


def test_another_pillow_makes_the_images_again_and_is_in_the_cache_stamp(
    make_site, monkeypatch, tmp_path_factory
):
    site = two_photos(make_site)
    monkeypatch.chdir(site)
    built(site)
    first, stamps = stored(site), (cache_module.code_stamp(), cache_module.image_stamp())
    cache_module.code_fingerprint.cache_clear()
    cache_module.image_fingerprint.cache_clear()
    # Another Pillow installed first on the import path, as a virtual environment's would be.
    another = tmp_path_factory.mktemp("another-pillow")
    (another / "pillow-0.0.dist-info").mkdir()
    monkeypatch.setattr(sys, "path", [str(another), *sys.path])
    try:
        assert cache_module.code_stamp() != stamps[0]
        assert cache_module.image_stamp() != stamps[1]
        built(site)
        assert len(stored(site) - first) == len(first)  # each image made again, by its new name
    finally:
        monkeypatch.undo()
        cache_module.code_fingerprint.cache_clear()
        cache_module.image_fingerprint.cache_clear()
