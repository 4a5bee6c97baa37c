"""Check a built documentation site in headless Chromium.

Every page must load, every image of the gallery pages must render
(``naturalWidth > 0``) and every internal link must point to an existing file.
Prints a summary and exits with status 1 on any failure::

    python docs/check_site.py docs/_build/html --screenshots docs/_build/screenshots
"""

import argparse
import shutil
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _internal_target(page_path, href):
    """The local file an href points to, or None for external and anchor-only links."""
    parts = urlsplit(href)
    if parts.scheme in ("http", "https", "mailto", "javascript", "data") or parts.netloc:
        return None
    if not parts.path:  # "#anchor" on the same page
        return None
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    return (page_path.parent / unquote(parts.path)).resolve()


def check_site(site, screenshots=None):
    site = Path(site).resolve()
    pages = sorted(site.rglob("*.html"))
    gallery = site / "auto_examples"
    failures = []
    n_links = n_images = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        # The site must work offline: refuse anything that is not a local file.
        page.route(
            "**/*",
            lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
            else route.abort(),
        )
        for path in pages:
            name = path.relative_to(site)
            try:
                response = page.goto(path.as_uri(), wait_until="load")
            except Exception as error:  # noqa: BLE001 - report every failure
                failures.append(f"{name}: does not load ({error})")
                continue
            if response is not None and not response.ok:
                failures.append(f"{name}: status {response.status}")
            if path.parent == gallery and path.name != "sg_execution_times.html":
                images = page.eval_on_selector_all(
                    "img", "els => els.map(e => [e.getAttribute('src'), e.complete "
                    "&& e.naturalWidth > 0])",
                )
                n_images += len(images)
                failures.extend(
                    f"{name}: image {src} does not render" for src, ok in images if not ok
                )
            for href in page.eval_on_selector_all(
                "a[href]", "els => els.map(e => e.getAttribute('href'))"
            ):
                target = _internal_target(path, href)
                if target is None:
                    continue
                n_links += 1
                if not target.exists():
                    failures.append(f"{name}: broken link {href}")
        if screenshots is not None:
            screenshots = Path(screenshots)
            screenshots.mkdir(parents=True, exist_ok=True)
            for source, shot in ((site / "index.html", "index.png"),
                                 (gallery / "index.html", "gallery.png")):
                page.goto(source.as_uri(), wait_until="load")
                page.screenshot(path=screenshots / shot, full_page=False)
        browser.close()
    print(f"{len(pages)} pages, {n_images} gallery images, {n_links} internal links checked")
    for failure in failures:
        print("FAIL", failure)
    print("OK" if not failures else f"{len(failures)} failure(s)")
    return not failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", help="folder of the built HTML site")
    parser.add_argument("--screenshots", help="folder for index.png and gallery.png")
    args = parser.parse_args(argv)
    if not (Path(args.site) / "index.html").is_file():
        parser.error(f"no index.html in {args.site}")
    return 0 if check_site(args.site, args.screenshots) else 1


if __name__ == "__main__":
    sys.exit(main())
