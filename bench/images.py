#!/usr/bin/env python3
"""Benchmark Gazette's image processing against Hugo's on the same photos, in the same run.

Writes N articles (the shared corpus's text), each a bundle with its own 2000x1333 JPEG
lead image, then times in rounds: Gazette's cold build (`--no-cache`, the peers' page set
of bench/site.yaml), its no-change and one-edit rebuilds with the cache in `.cache/images/`
filled, and Hugo making the same files from the same photos (widths 480, 800, 1200, 1600,
each in WebP and JPEG at quality 80, and a 1200x630 card) cold (its `resources/_gen` cache
removed) and with that cache filled. Prints medians, min-max and peak memory.

    python bench/images.py --articles 100 --runs 3
    python bench/images.py --articles 1000 --runs 1 --no-warmup --hugo /path/to/hugo

Needs Hugo extended (peers.sh installs it: /tmp/ssg-peers/venv/.../hugo/binaries/hugo).
Never part of the test suite; asserts no time.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BUILD, ROOT, SHARED, run

WIDTHS = (480, 800, 1200, 1600)
QUALITY = 80

HUGO_CONFIG = """\
baseURL = "https://example.net/"
title = "Bench"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[imaging]
  quality = 80
  resampleFilter = "Lanczos"
  anchor = "Center"
"""
# Every width in WebP and JPEG, and the card: what Gazette makes of each lead image.
HUGO_SINGLE = """\
<!doctype html><title>{{ .Title }}</title>
{{ with .Resources.GetMatch "lead.jpg" }}{{ $img := . }}
<picture><source type="image/webp" srcset="
{{- range $i, $w := slice 480 800 1200 1600 }}{{ if $i }}, {{ end }}
{{- ($img.Resize (printf "%dx webp q80" $w)).RelPermalink }} {{ $w }}w{{ end }}">
<img src="{{ .RelPermalink }}" width="{{ .Width }}" height="{{ .Height }}" srcset="
{{- range $i, $w := slice 480 800 1200 1600 }}{{ if $i }}, {{ end }}
{{- ($img.Resize (printf "%dx jpg q80" $w)).RelPermalink }} {{ $w }}w{{ end }}"></picture>
<meta property="og:image" content="{{ (.Fill "1200x630 Center jpg q85").Permalink }}">
{{ end }}
{{ .Content }}
"""
HUGO_LIST = "<!doctype html><title>{{ .Title }}</title>{{ range .Pages }}{{ .Title }}{{ end }}\n"


def photo(seed: int) -> Image.Image:
    """Return a 2000x1333 picture of its own: a gradient under random shapes and noise."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((2000, 1333)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(2000), rng.randrange(1333)
        box = (x, y, x + rng.randrange(40, 600), y + rng.randrange(40, 400))
        draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    noise = Image.effect_noise((2000, 1333), 24).convert("RGB")
    return Image.blend(image, noise, 0.15)


def make_sites(n: int, work: Path) -> tuple[Path, Path]:
    """Write the Gazette and Hugo sites of `n` articles with photos; return their folders."""
    corpus = work / f"corpus-{n}"
    if not corpus.is_dir():
        subprocess.run(
            [sys.executable, SHARED / "make_corpus.py", "--articles", str(n), "--out", corpus],
            check=True,
        )
    ours, hugo = work / f"gazette-{n}", work / f"hugo-{n}"
    if not ((ours / "done").exists() and (hugo / "done").exists()):
        shutil.rmtree(ours, ignore_errors=True)
        shutil.rmtree(hugo, ignore_errors=True)
        _write_articles(corpus, ours, hugo)
    (hugo / "layouts/_default").mkdir(parents=True, exist_ok=True)
    (hugo / "hugo.toml").write_text(HUGO_CONFIG)
    (hugo / "layouts/_default/single.html").write_text(HUGO_SINGLE)
    (hugo / "layouts/_default/list.html").write_text(HUGO_LIST)
    return ours, hugo


def _write_articles(corpus: Path, ours: Path, hugo: Path) -> None:
    """Write each article of `corpus` as a bundle with a photo of its own, for both."""
    for i, source in enumerate(sorted(corpus.glob("*.md"))):
        text = source.read_text(encoding="utf-8")
        head, body = text.split("\n---\n", 1)
        lead = head + "\nimage: lead.jpg\nimage_alt: A photo\n---\n" + body
        for folder in (
            ours / "content/articles" / source.stem,
            hugo / "content/posts" / source.stem,
        ):
            folder.mkdir(parents=True)
            (folder / "index.md").write_text(lead, encoding="utf-8")
        photo(i).save(ours / "content/articles" / source.stem / "lead.jpg", quality=90)
        shutil.copy(ours / "content/articles" / source.stem / "lead.jpg",
                    hugo / "content/posts" / source.stem / "lead.jpg")  # fmt: skip
    settings = (ROOT / "bench/site.yaml").read_text()
    (ours / "site.yaml").write_text(settings + '\nchecks:\n  external_links: "off"\n')
    (ours / "done").touch()
    (hugo / "done").touch()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/gazette-bench-images"))
    parser.add_argument(
        "--no-warmup",
        action="store_true",
        help="skip the untimed first builds (photos just written are in the page cache)",
    )
    parser.add_argument(
        "--hugo",
        type=Path,
        default=next(
            Path("/tmp").glob("*/venv/lib/python3*/site-packages/hugo/binaries/hugo"), None
        ),
    )
    args = parser.parse_args()
    if args.hugo is None or not args.hugo.exists():
        sys.exit("no Hugo binary: run ../shared/bench/peers.sh once, or pass --hugo")
    args.work.mkdir(parents=True, exist_ok=True)
    ours, hugo = make_sites(args.articles, args.work)
    build = [*BUILD[:3], "--config", str(ours / "site.yaml"), "-q"]
    out = args.work / "out"
    story = next((ours / "content/articles").iterdir()) / "index.md"
    hugo_cmd = [str(args.hugo), "--quiet", "-s", str(hugo), "-d", str(out / "hugo")]
    times: dict[str, list[float]] = {}
    memory: dict[str, float] = {}

    def timed(label: str, argv: list[str], before=None) -> None:
        if before:
            before()
        sample = run(argv, cwd=ours)
        times.setdefault(label, []).append(sample.wall)
        memory[label] = max(memory.get(label, 0), sample.rss_mib)

    def cold_ours() -> None:
        shutil.rmtree(out / "gazette", ignore_errors=True)

    def cold_hugo() -> None:
        shutil.rmtree(out / "hugo", ignore_errors=True)
        shutil.rmtree(hugo / "resources/_gen", ignore_errors=True)

    def edit() -> None:
        text = story.read_text(encoding="utf-8")
        marker = "\n\nEdited.\n"
        story.write_text(text[: -len(marker)] if text.endswith(marker) else text + marker)

    gazette_out = ["--output", str(out / "gazette")]
    # Warm-up: fills Gazette's cache, Hugo's resources and the page cache of the photos.
    if not args.no_warmup:
        run([*build, *gazette_out], cwd=ours)
        run(hugo_cmd)
    for _ in range(args.runs):
        timed("Gazette cold (--no-cache)", [*build, "--no-cache", *gazette_out], cold_ours)
        run([*build, *gazette_out], cwd=ours)  # the cache as the cold build left it
        timed("Gazette no change", [*build, *gazette_out])
        timed("Gazette one edit", [*build, *gazette_out], edit)
        timed("Hugo cold (resources/_gen removed)", hugo_cmd, cold_hugo)
        timed("Hugo, its image cache filled", hugo_cmd, lambda: shutil.rmtree(out / "hugo"))
    print(f"{args.articles} articles, each with a 2000x1333 JPEG lead image; {args.runs} runs")
    print(f"{'build':40} {'median':>8} {'min-max':>15} {'peak MiB':>9}")
    for label, samples in times.items():
        spread = f"{min(samples):.2f}-{max(samples):.2f}"
        print(f"{label:40} {statistics.median(samples):8.2f} {spread:>15} {memory[label]:9.0f}")
    files = sum(1 for p in (out / "gazette").rglob("*") if p.suffix in (".jpg", ".webp"))
    hugo_files = sum(1 for p in (out / "hugo").rglob("*") if p.suffix in (".jpg", ".webp"))
    print(f"image files published: Gazette {files}, Hugo {hugo_files}")


if __name__ == "__main__":
    main()
