"""The training image cache decodes like the embedding runner and records what it cannot read."""

import numpy as np
from PIL import Image

from training.cache import image_cache


def test_cache_converts_awkward_images_and_records_failures(tmp_path):
    Image.new("RGB", (40, 20), (255, 0, 0)).save(tmp_path / "red.jpg")
    Image.new("RGBA", (16, 16), (0, 0, 255, 0)).save(tmp_path / "clear.png")  # fully transparent: white, not black
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "cut.jpg").write_bytes((tmp_path / "red.jpg").read_bytes()[:60])
    locations = ["red.jpg", "clear.png", "empty.jpg", "cut.jpg", "https://x/not-fetched.jpg"]
    resolve = lambda loc: None if loc.startswith("https") else tmp_path / loc  # noqa: E731

    cache = image_cache(locations, resolve, tmp_path / "cache", size=8, workers=0)
    index = cache.index.set_index("location")
    assert (index["status"] == "ok").sum() == 2
    pixels = np.load(cache.array_path)
    assert pixels.shape[1:] == (8, 8, 3)  # one row per location; failed ones stay unused
    assert tuple(pixels[index.loc["clear.png", "row"]][4, 4]) == (255, 255, 255)
    assert tuple(pixels[index.loc["red.jpg", "row"]][4, 4])[0] > 240
    assert index.loc["empty.jpg", "error"] == "empty file (0 bytes)"
    assert index.loc["cut.jpg", "error"].startswith(("corrupt or truncated", "not a readable image"))
    assert "hw fetch-images" in index.loc["https://x/not-fetched.jpg", "error"]
    assert len(cache.failures) == 3
