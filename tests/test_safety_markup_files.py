"""With `raw_html: false`, files a browser runs as markup (HTML, XML, SVG with script or
outside references) are refused by name; a clean SVG is published."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from conftest import SITE_YAML, article, run_cli, write_files

from generator.markup.rawfiles import markup_file_problems
from generator.source.files import read_content

ROOT = Path(__file__).resolve().parent.parent
SVG = 'xmlns="http://www.w3.org/2000/svg"'
XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'

HOSTILE_SVGS = {
    "script": f"<svg {SVG}><script>alert(1)</script></svg>",
    "script in CDATA": f"<svg {SVG}><script><![CDATA[alert(1)]]></script></svg>",
    "upper-case script": f"<svg {SVG}><SCRIPT>alert(1)</SCRIPT></svg>",
    "prefixed script": '<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:script>x</s:script></s:svg>',
    "XHTML script": (
        f'<svg {SVG} xmlns:h="http://www.w3.org/1999/xhtml"><h:script>alert(1)</h:script></svg>'
    ),
    "XHTML iframe": (
        f'<svg {SVG}><g><iframe xmlns="http://www.w3.org/1999/xhtml" src="x"/></g></svg>'
    ),
    "foreignObject": (
        f"<svg {SVG}><foreignObject><body xmlns='http://www.w3.org/1999/xhtml'>"
        "<img src=x onerror=alert(1)/></body></foreignObject></svg>"
    ),
    "onload": f'<svg {SVG} onload="alert(1)"/>',
    "OnClick in a group": f'<svg {SVG}><g OnClick="alert(1)"><rect/></g></svg>',
    "xlink:href javascript": (
        f'<svg {SVG} {XLINK}><a xlink:href="javascript:alert(1)"><rect/></a></svg>'
    ),
    "href with tab and entity": (
        f'<svg {SVG}><a href="&#x20;java&#9;script&#58;alert(1)"><rect/></a></svg>'
    ),
    "a href to another site": f'<svg {SVG}><a href="https://evil.example/"><rect/></a></svg>',
    "use of an outside file": f'<svg {SVG}><use href="https://evil.example/x.svg#a"/></svg>',
    "image of svg data": (
        f'<svg {SVG}><image href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/></svg>'
    ),
    "set onclick": (f'<svg {SVG}><rect><set attributeName="onclick" to="alert(1)"/></rect></svg>'),
    "animate href to javascript": (
        f'<svg {SVG}><a href="#x"><animate attributeName="href" values="javascript:alert(1)"/>'
        "<rect/></a></svg>"
    ),
    "animate to javascript": (
        f'<svg {SVG} {XLINK}><a><animate attributeName="xlink:href" to="javascript:alert(1)"/>'
        "</a></svg>"
    ),
    "entity declaration": (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f"<svg {SVG}><text>&b;</text></svg>"
    ),
    "external entity": (
        f'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg {SVG}><text>&x;</text></svg>'
    ),
    "stylesheet instruction": (f'<?xml-stylesheet href="https://evil.example/x.css"?><svg {SVG}/>'),
    "style import": f"<svg {SVG}><style>@import url(https://evil.example/x.css);</style></svg>",
    "style url in CDATA": (
        f"<svg {SVG}><style><![CDATA[rect {{ fill: url('https://evil.example/t') }}]]></style>"
        "</svg>"
    ),
    "fill url outside": f'<svg {SVG}><rect fill="url(https://evil.example/t)"/></svg>',
    "xml:base": f'<svg {SVG} xml:base="javascript:alert(1)//"><a href="#x"/></svg>',
    "XML Events handler": (
        f'<svg {SVG} xmlns:ev="http://www.w3.org/2001/xml-events"><rect ev:event="click"/></svg>'
    ),
    "handler element": f'<svg {SVG}><handler type="text/ecmascript">alert(1)</handler></svg>',
    "html root": '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
    "not well-formed": f"<svg {SVG}><script>alert(1)</svg>",
    "undefined entity": f"<svg {SVG}><text>&evil;</text></svg>",
}

CLEAN_SVGS = {
    "plain": f'<svg {SVG} viewBox="0 0 10 10"><rect width="10" height="10"/></svg>',
    "gradient and use": (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<svg {SVG} {XLINK}>'
        '<defs><linearGradient id="g"><stop offset="0"/></linearGradient>'
        '<circle id="c" r="2"/></defs>'
        '<rect fill="url(#g)" style="stroke: url( \'#g\' )"/><use xlink:href="#c"/>'
        '<a href="#c"><title>Jump</title></a></svg>'
    ),
    "inline raster": (
        f'<svg {SVG}><image href="data:image/png;base64,iVBORw0KGgo=" width="1"/></svg>'
    ),
    "style without urls": f"<svg {SVG}><style>rect {{ fill: #123; }}</style><rect/></svg>",
    "public doctype": (
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        f"<svg {SVG}><rect/></svg>"
    ),
    "editor metadata": (
        f'<svg {SVG} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        'inkscape:version="1.3"><metadata><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata><rect/></svg>'
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_SVGS))
def test_hostile_svgs_are_refused(name: str) -> None:
    problems = markup_file_problems("x.svg", HOSTILE_SVGS[name].encode())
    assert problems, name
    for _line, message, hint in problems:
        assert message.endswith("refused because raw_html is false")
        assert hint


@pytest.mark.parametrize("name", sorted(CLEAN_SVGS))
def test_clean_svgs_pass(name: str) -> None:
    assert markup_file_problems("x.svg", CLEAN_SVGS[name].encode()) == []


def test_the_sample_sites_images_pass() -> None:
    svgs = sorted((ROOT / "content").rglob("*.svg"))
    assert svgs
    for svg in svgs:
        assert markup_file_problems(svg.name, svg.read_bytes()) == [], svg


def test_problems_name_the_line_and_stop_after_ten() -> None:
    text = f"<svg {SVG}>\n<rect/>\n<script>x</script>\n</svg>"
    [(line, message, _)] = markup_file_problems("x.svg", text.encode())
    assert (line, message) == (3, "an SVG with <script> is refused because raw_html is false")
    many = f"<svg {SVG}>" + '<rect onclick="x"/>' * 1000 + "</svg>"
    assert len(markup_file_problems("x.svg", many.encode())) == 10


def test_a_billion_laughs_is_stopped_before_it_expands() -> None:
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    text = f"<!DOCTYPE svg [{entities}]><svg {SVG}><text>&e9;</text></svg>"
    [(_, message, _)] = markup_file_problems("x.svg", text.encode())
    assert message.startswith("an SVG with a DOCTYPE that declares entities")


@pytest.mark.parametrize(
    "name", ["page.html", "PAGE.HTM", "a.xhtml", "a.xht", "feed.xml", "a.shtml", "x.svgz"]
)
def test_markup_files_are_refused_by_name(tmp_path: Path, name: str) -> None:
    write_files(tmp_path / "content", {f"files/{name}": "<p>hello</p>", "files/ok.txt": "ok"})
    tree = read_content(tmp_path / "content", raw_html=False)
    [problem] = tree.errors
    assert problem.path.endswith(name)
    assert problem.message.endswith("refused because raw_html is false")
    assert problem.hint
    assert [a.path for a in tree.assets] == ["files/ok.txt"]
    # with raw HTML allowed, they are assets as before
    assert len(read_content(tmp_path / "content").assets) == 2


def test_a_build_reports_every_refused_file_and_writes_nothing(make_site) -> None:
    root = make_site(
        {
            "content/articles/vote.md": article("Vote", body="![chart](/images/chart.svg)"),
            "content/images/chart.svg": CLEAN_SVGS["gradient and use"],
            "content/images/evil.svg": "<svg xmlns='http://www.w3.org/2000/svg'>\n"
            "<a xlink:href='javascript:alert(1)' xmlns:xlink='http://www.w3.org/1999/xlink'/>"
            "</svg>",
            "content/images/zipped.svgz": gzip.compress(CLEAN_SVGS["plain"].encode()),
            "content/embed.html": "<script>alert(1)</script>",
        },
        SITE_YAML + "raw_html: false\n",
    )
    done = run_cli("build", cwd=root)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert "content/embed.html: an HTML file is refused because raw_html is false" in lines
    assert (
        "content/images/evil.svg:2: an SVG with a reference to 'javascript:alert(1)' "
        "is refused because raw_html is false"
    ) in lines
    assert (
        "content/images/zipped.svgz: a compressed SVG (.svgz) is refused because raw_html is false"
    ) in lines
    assert not any("chart.svg" in line for line in lines)
    assert not (root / "output").exists()
    (root / "content/images/evil.svg").unlink()
    (root / "content/images/zipped.svgz").unlink()
    (root / "content/embed.html").unlink()
    again = run_cli("build", cwd=root)
    assert again.returncode == 0, again.stderr
    assert (root / "output/images/chart.svg").read_text() == CLEAN_SVGS["gradient and use"]


def test_the_sample_site_builds_without_raw_html(tmp_path: Path) -> None:
    site = tmp_path / "sample"
    shutil.copytree(ROOT / "content", site / "content")
    text = (ROOT / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(text + "\nraw_html: false\n", encoding="utf-8")
    done = run_cli("build", "--no-cache", cwd=site)
    assert done.returncode == 0, done.stderr
