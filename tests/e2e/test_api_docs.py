"""The API reference (Swagger UI at /api/docs/) as people read it: rendered, opened, tried."""

import pytest

from tests.e2e.conftest import AXE_FAILS, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def _serious(page) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}) {v['help']}: {' | '.join(v['nodes'])}"
        for v in axe_violations(page)
        if v["impact"] in AXE_FAILS
    ]


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_api_reference_reads_well_rendered_and_with_an_operation_open(
    live_server, new_page, screenshot, width, height
):
    page = new_page(width=width, height=height)
    page.goto(f"{live_server.url}/api/docs/")
    operations = page.locator(".opblock")
    operations.first.wait_for()

    assert page.locator("html").get_attribute("lang") == "en"
    assert operations.count() >= 30
    rendered = _serious(page)

    operations.first.locator(".opblock-summary-control").click()
    page.get_by_role("button", name="Try it out").first.click()
    page.locator(".opblock-body").first.wait_for()
    screenshot(page, f"api-docs-{width}")
    opened = _serious(page)

    assert rendered == [], "\n".join(rendered)
    assert opened == [], "\n".join(opened)
    if width < 600:
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
