"""The widgets in a real browser: JupyterLab on 127.0.0.1, driven by Debian's Chromium through
Playwright.

`nbdev_test` runs the notebooks' Python; only a browser shows that the widgets' front ends render
and that events come
back to the kernel. One JupyterLab server (random port and token, copies of the notebooks in a
temporary folder, slow
cells removed as `nbdev_test` would skip them) serves two checks:

- `18_avatars`: Run All, then move one slider of the creature's rig: the avatar image must change.
- `31_mae_train`, opened as committed (not run): its training curves are drawn in the page.
- `34_explore`: Run All, then the plotly scatter of the shipped encoder's map must draw a point per
face, and hovering one must fill the face image.

Screenshots go to `out/browser/` (test artefacts). Without `/usr/bin/chromium` (or
`$FREEAVATAR_CHROMIUM`) or the
`playwright` package the tests skip and say which is missing; `.ci/run` installs both and sets
`FREEAVATAR_BROWSER_REQUIRED=1`, which turns that skip into an error. Playwright never downloads a
browser here.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
NBS, ART = ROOT / 'nbs', ROOT / 'out' / 'browser'
CHROMIUM = os.environ.get('FREEAVATAR_CHROMIUM', '/usr/bin/chromium')
CHROME_ARGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
]
JUPYTER = Path(sys.executable).parent / 'jupyter'
# server start; one notebook's Run All; one UI step (seconds)
START_S, RUN_S, UI_S = 90, 240, 30


def _missing() -> str | None:
    "Why the browser tests cannot run here, or None."
    why = []
    if not Path(CHROMIUM).exists():
        why.append(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        why.append("the Python package playwright is not installed (pip install playwright)")
    if not JUPYTER.exists():
        why.append(f"no jupyter at {JUPYTER}")
    return '; '.join(why) or None


MISSING = _missing()
# set by .ci/run, which installs both
if MISSING and os.environ.get('FREEAVATAR_BROWSER_REQUIRED') == '1':
    raise RuntimeError(
        f"FREEAVATAR_BROWSER_REQUIRED=1 but the browser checks cannot run: {MISSING}"
    )
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"browser checks skipped: {MISSING}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _strip(src: Path, dst: Path):
    """Copy a notebook without its `#| slow` cells and the closing `nbdev_export()` (it would write
    into the package)."""
    nb = json.loads(src.read_text())
    keep = lambda c: (
        not (
            c['cell_type'] == 'code'
            and (c['source'][:1] == ['#| slow\n'] or 'nbdev_export()' in ''.join(c['source']))
        )
    )
    nb['cells'] = [c for c in nb['cells'] if keep(c)]
    dst.write_text(json.dumps(nb))


class Lab:
    "A JupyterLab server on 127.0.0.1 serving `root`; `url(path)` opens a notebook with the token."

    def __init__(self, root: Path):
        self.root, self.port, self.token = root, _free_port(), secrets.token_hex(16)
        # every cell stays in the DOM; no kernel-picker dialog; no news or update toasts over the
        # page
        user = {
            'notebook-extension/tracker': {'windowingMode': 'none', 'autoStartDefaultKernel': True},
            'apputils-extension/notification': {'fetchNews': 'false', 'checkForUpdates': False},
        }
        for k, v in user.items():
            f = root / '.lab' / 'settings' / '@jupyterlab' / f'{k}.jupyterlab-settings'
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(json.dumps(v))
        env = dict(
            os.environ,
            JUPYTERLAB_SETTINGS_DIR=str(root / '.lab' / 'settings'),
            JUPYTERLAB_WORKSPACES_DIR=str(root / '.lab' / 'workspaces'),
            JUPYTER_RUNTIME_DIR=str(root / '.lab' / 'runtime'),
            PYTHONUNBUFFERED='1',
        )
        self.log = open(root / '.lab' / 'server.log', 'w')
        self.proc = subprocess.Popen(
            [
                str(JUPYTER),
                'lab',
                '--no-browser',
                '--ip=127.0.0.1',
                f'--port={self.port}',
                '--port-retries=0',
                f'--IdentityProvider.token={self.token}',
                f'--ServerApp.root_dir={root}',
                '--LabApp.news_url=None',
                '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
                # CI runs as root
                '--ServerApp.terminals_enabled=False',
            ]
            + (['--allow-root'] if os.geteuid() == 0 else []),
            cwd=root,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait()
        except BaseException:
            self.close()
            raise

    def api(self, path: str, method: str = 'GET'):
        req = urllib.request.Request(
            f'http://127.0.0.1:{self.port}/api/{path}',
            method=method,
            headers={'Authorization': f'token {self.token}'},
        )
        with urllib.request.urlopen(req, timeout=5) as r:
            body = r.read()
        return json.loads(body) if body else None

    def _wait(self):
        end = time.monotonic() + START_S
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                self.api('status')
                return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"jupyter lab did not answer within {START_S} s:\n{self.tail()}")

    def url(self, path: str) -> str:
        """A workspace of its own per notebook, so JupyterLab does not reopen (and restart a kernel
        for) the last one."""
        return f'http://127.0.0.1:{self.port}/lab/workspaces/{Path(path).stem}/tree/{path}?token={self.token}'

    def tail(self, n: int = 3000) -> str:
        return (self.root / '.lab' / 'server.log').read_text()[-n:]

    def shutdown_kernels(self):
        for s in self.api('sessions'):
            self.api(f"sessions/{s['id']}", 'DELETE')

    def close(self):
        """Stop the server and its kernels: SIGTERM to the server's process group, SIGKILL if it
        lingers."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # kernels left in the group
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait(5)
        self.log.close()


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp('lab')
    for name in ('18_avatars.ipynb', '34_explore.ipynb'):
        _strip(NBS / name, root / name)
    shutil.copy(NBS / CURVES, root / CURVES)  # as committed, outputs and all: opened, not run
    shutil.rmtree(ART, ignore_errors=True)
    ART.mkdir(parents=True)
    server = Lab(root)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope='module')
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROME_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, lab, request):
    """A fresh page; a failed test leaves a screenshot, the page's HTML and the server log in
    `out/browser/`."""
    pg = browser.new_page(viewport={'width': 1400, 'height': 1000})
    pg.set_default_timeout(UI_S * 1000)
    failed = request.session.testsfailed
    yield pg
    if request.session.testsfailed > failed:
        name = request.node.name
        try:
            pg.screenshot(path=str(ART / f'{name}-FAILED.png'), full_page=True)
            (ART / f'{name}-FAILED.html').write_text(pg.content())
        except Exception:
            pass  # the page itself may be what failed; the log below still helps
        (ART / f'{name}-server.log').write_text(lab.tail(20000))
    pg.close()
    try:
        lab.shutdown_kernels()  # free the CPU for the next notebook
    except OSError:
        pass


def run_all(page, lab, name: str):
    """Open notebook `name`, wait for its kernel, Run All from the menu, wait until every code cell
    has run; its panel."""
    page.goto(lab.url(name))
    nb = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)')
    nb.locator('.jp-Cell').first.wait_for()
    kernel_idle = page.locator('.jp-StatusBar-Widget').get_by_text(
        re.compile(r'^(?!No Kernel).+ \| Idle$')
    )
    # the status bar, not the toolbar dot: that one is idle with no kernel
    kernel_idle.wait_for(timeout=START_S * 1000)
    page.locator('.lm-MenuBar-itemLabel', has_text='Run').first.click()
    page.locator('.lm-Menu-itemLabel', has_text='Run All Cells').first.click()
    t0, prompts, quiet = time.monotonic(), [], 0  # queued and running cells show `[*]`
    while time.monotonic() < t0 + RUN_S and quiet < 10:
        page.wait_for_timeout(1000)
        prompts = nb.locator('.jp-CodeCell .jp-InputArea-prompt').evaluate_all(
            'ps => ps.map(p => p.textContent.trim())'
        )
        if prompts and all(p[1:-2].isdigit() for p in prompts):
            return nb
        # 10 s with nothing running: it stopped (a cell raised)
        quiet = 0 if any('*' in p for p in prompts) else quiet + 1
    errors = nb.locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    ).evaluate_all('os => os.map(o => o.textContent.slice(-1500))')
    raise AssertionError(
        f"{name}: Run All did not finish ({time.monotonic() - t0:.0f} s, limit {RUN_S} s); prompts "
        f"{prompts}; stderr/errors:\n" + '\n'.join(errors)
    )


def test_rig_slider_changes_avatar(page, lab):
    nb = run_all(page, lab, '18_avatars.ipynb')
    box = (
        nb.locator('.jp-OutputArea-output .widget-hbox')
        .filter(has=page.locator('.widget-accordion'))
        .first
    )
    box.scroll_into_view_if_needed()
    img = box.locator('img.widget-image').first
    img.wait_for(state='visible')
    page.wait_for_function('i => i.complete && i.naturalWidth > 0', arg=img.element_handle())
    # the rig's sliders sit in an accordion, one panel per region: open the panel holding shutter_L
    slider = box.locator('.widget-slider', has_text='shutter_L')
    if not slider.is_visible():
        box.locator('.jupyter-widget-Collapse-header', has_text='eye_L').click()
    slider.wait_for(state='visible')
    box.screenshot(path=str(ART / 'avatars-before.png'))
    src0, px0 = img.get_attribute('src'), img.screenshot()
    handle = slider.locator('.noUi-handle, [role="slider"]').first
    handle.focus()
    page.keyboard.press('End')  # nouislider: End = the control's maximum
    page.wait_for_function(
        '([i, s]) => i.getAttribute("src") !== s', arg=[img.element_handle(), src0]
    )
    page.wait_for_function('i => i.complete && i.naturalWidth > 0', arg=img.element_handle())
    page.wait_for_timeout(300)
    box.screenshot(path=str(ART / 'avatars-after.png'))
    assert slider.locator('.widget-readout').inner_text().strip() in ('1', '1.0', '1.00')
    assert img.screenshot() != px0, "the avatar image's pixels did not change"


def test_explorer_points_and_hover(page, lab):
    nb = run_all(page, lab, '34_explore.ipynb')
    plot = nb.locator('.jp-OutputArea-output .js-plotly-plot').last
    plot.scroll_into_view_if_needed()
    points = plot.locator('.scatterlayer .trace .points path.point')
    points.first.wait_for(state='visible')
    n = points.count()
    faces = plot.evaluate('p => p.data.reduce((k, t) => k + t.x.length, 0)')
    # the shipped encoder's gallery (held-out actors, avatars, real frames), not the tiny one
    assert n == faces and n > 500, (
        f"expected a point per face of the shipped map ({faces}), found {n}"
    )
    face = nb.locator('.jp-OutputArea-output img.widget-image[width="128"]').last
    src0 = face.get_attribute('src')
    assert face.evaluate('i => i.naturalWidth') == 0, (
        "the face image should be empty before any hover"
    )
    box = points.nth(n // 2).bounding_box()
    x, y = box['x'] + box['width'] / 2, box['y'] + box['height'] / 2
    page.mouse.move(x - 30, y - 30)
    page.mouse.move(x, y, steps=8)
    # plotly's own label: the hover landed
    plot.locator('.hoverlayer .hovertext').first.wait_for(state='visible')
    page.wait_for_function(
        '([i, s]) => i.getAttribute("src") !== s && /^(blob|data):/.test(i.getAttribute("src")) '
        '&& i.complete && i.naturalWidth > 0',
        arg=[face.element_handle(), src0],
    )
    page.wait_for_timeout(300)
    nb.locator('.jp-OutputArea-output').filter(has=page.locator('.js-plotly-plot')).last.screenshot(
        path=str(ART / 'explorer-hover.png')
    )
    # the 48 px thumbnail of `thumb_b64`
    assert face.evaluate('i => i.naturalWidth') == 48


def test_preview_plays(browser, tmp_path):
    """The preview `retarget` writes plays in Chromium: the video's metadata and first frame load,
    and it has a duration (MPEG-4 Part 2 would stop at readyState 0)."""
    import numpy as np
    from freeavatar.avatars import load_avatars
    from freeavatar.writers import write_preview

    avs, T = list(load_avatars().values()), 15
    crops = np.random.default_rng(0).integers(0, 255, (T, 96, 96, 3), dtype=np.uint8)
    vals = {a.name: np.full((T, len(a.controls)), 0.5, np.float32) for a in avs}
    write_preview(tmp_path / 'preview.mp4', crops, np.ones(T, bool), avs, vals, 30.0, 64)
    (tmp_path / 'index.html').write_text('<video id="v" src="preview.mp4" muted></video>')
    pg = browser.new_page()
    try:
        pg.goto((tmp_path / 'index.html').as_uri())
        pg.wait_for_function('document.getElementById("v").readyState >= 2', timeout=UI_S * 1000)
        duration = pg.evaluate('document.getElementById("v").duration')
    finally:
        pg.close()
    assert abs(duration - T / 30) < 0.1, duration


# a lesson whose committed outputs hold its loss curves: the live run's and the shipped run's
CURVES = '31_mae_train.ipynb'


def test_lesson_curves_in_page(page, lab):
    """A reader who opens a lesson sees its curves without running anything: the committed figures
    are in the page and decoded."""
    page.goto(lab.url(CURVES))
    nb = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)')
    nb.locator('.jp-Cell').first.wait_for()
    shown = nb.locator('.jp-OutputArea-output img')
    shown.first.wait_for(state='attached')
    assert shown.count() >= 2, f"{CURVES}: {shown.count()} figures in the page, expected its curves"
    curve = shown.last
    curve.scroll_into_view_if_needed()
    page.wait_for_function('i => i.complete && i.naturalWidth > 200', arg=curve.element_handle())
    curve.screenshot(path=str(ART / 'lesson-curve.png'))
