"""Check a built documentation site in headless Chromium.

Every page must load, every image of the gallery pages must render
(``naturalWidth > 0``), every internal link must point to an existing file,
and "Examples" and "API reference" must be in the top bar at 1,280, 1,400 and
1,920 px. With ``--screenshots`` it saves full-page screenshots of the main
pages, two API pages and every gallery page, to be looked at.
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


# Sections that must stay in the top bar, not under "More", at common widths.
TOP_BAR_LINKS = ("Examples", "API reference")
TOP_BAR_WIDTHS = (1280, 1400, 1920)


def _check_top_bar(page, index):
    """Failures for each width at which a top-bar section is not visible."""
    failures = []
    for width in TOP_BAR_WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(index.as_uri(), wait_until="load")
        visible = page.eval_on_selector_all(
            ".bd-header .bd-navbar-elements > li.nav-item:not(.dropdown) > a",
            "els => els.filter(e => e.offsetParent !== null).map(e => e.textContent.trim())",
        )
        failures.extend(
            f"index.html at {width} px: {link!r} is not in the top bar (shown: {visible})"
            for link in TOP_BAR_LINKS if link not in visible
        )
    page.set_viewport_size({"width": 1280, "height": 900})
    return failures


def _take_screenshots(page, site, folder):
    """Full-page screenshots of the main pages, two API pages and every gallery page.

    Read them to find what the automatic checks cannot: stray output,
    clipped or unreadable text in figures, headings cut off.
    """
    folder.mkdir(parents=True, exist_ok=True)
    pages = {
        "index.png": site / "index.html",
        "why.png": site / "why.html",
        "performance.png": site / "performance.html",
        "user_guide-estimators.png": site / "user_guide" / "estimators.html",
        "api.png": site / "api.html",
        "api-CNNClassifier.png": site / "generated" / "fmnist_estimators.CNNClassifier.html",
        "api-TrainingHistoryDisplay.png":
            site / "generated" / "fmnist_estimators.TrainingHistoryDisplay.html",
        "gallery.png": site / "auto_examples" / "index.html",
    }
    for example in sorted((site / "auto_examples").glob("plot_*.html")):
        pages[f"gallery-{example.stem}.png"] = example
    for shot, source in pages.items():
        if source.is_file():
            page.goto(source.as_uri(), wait_until="load")
            page.screenshot(path=folder / shot, full_page=True)
    # The top bar at a wider window, where "More" used to swallow sections.
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto((site / "index.html").as_uri(), wait_until="load")
    page.screenshot(path=folder / "index-1400.png", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})


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
        failures.extend(_check_top_bar(page, site / "index.html"))
        if screenshots is not None:
            _take_screenshots(page, site, Path(screenshots))
        browser.close()
    print(f"{len(pages)} pages, {n_images} gallery images, {n_links} internal links checked")
    for failure in failures:
        print("FAIL", failure)
    print("OK" if not failures else f"{len(failures)} failure(s)")
    return not failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", help="folder of the built HTML site")
    parser.add_argument("--screenshots", help="folder for the screenshots")
    args = parser.parse_args(argv)
    if not (Path(args.site) / "index.html").is_file():
        parser.error(f"no index.html in {args.site}")
    return 0 if check_site(args.site, args.screenshots) else 1


if __name__ == "__main__":
    sys.exit(main())
