"""The PDF pack: rendered to an image and checked by structure (text, page size, chart areas)."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from tests.conftest import bearer
from tests.test_statistics import world  # noqa: F401  (fixture)

A4 = (595.3, 841.9)  # points


def non_white_share(image, box) -> float:  # type: ignore[no-untyped-def]
    histogram = image.convert("L").crop(box).histogram()
    return sum(histogram[:200]) / sum(histogram)


def test_pdf_has_the_title_and_the_charts_on_its_first_page(client, world, make_user, tmp_path):  # noqa: F811
    user = make_user("fiu", "supervisor", org=world["fiu"])
    response = client.get("/api/v1/stats.pdf?from=2026-01-01&to=2026-12-31&group_by=typology", headers=bearer(user))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pdfium.PdfDocument(response.get_data())
    page = pdf[0]
    assert page.get_size() == pytest.approx(A4, abs=1)
    text = page.get_textpage().get_text_range()
    assert "2026-01-01" in text and "2026-12-31" in text
    assert "statistik" in text.lower() or "statistics" in text.lower()
    image = page.render(scale=1).to_pil()
    image.save(tmp_path / "first-page.png")  # kept by pytest for a look when this fails
    width, height = image.size
    # Title band at the top; the three charts fill the page below it, each with coloured bars.
    assert non_white_share(image, (0, 0, width, height // 10)) > 0.005
    assert non_white_share(image, (0, height // 10, width, height // 2)) > 0.02
    assert non_white_share(image, (0, height // 2, width, height * 9 // 10)) > 0.02
    colours = {colour for _count, colour in image.convert("RGB").getcolors(maxcolors=1 << 24)}
    assert (0x1F, 0x6F, 0x8B) in colours  # the alerts' bar colour: a chart was drawn, not only text
