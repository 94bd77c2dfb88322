import numpy as np

from sampler.sides import block_edges
from sampler.spill import PairLocations, ScoreGrid, ScoreSpill


def test_blocks_round_trip_and_pairs_are_found(tmp_path):
    matrix = np.arange(7 * 5, dtype=np.float32).reshape(7, 5)
    grid = ScoreGrid(block_edges(np.ones(7, dtype=int), 3), block_edges(np.ones(5, dtype=int), 2))
    spill = ScoreSpill(tmp_path / "scores.f32", grid)
    for r0, r1, c0, c1 in grid.blocks():
        spill.append(matrix[r0:r1, c0:c1])
    rebuilt = np.zeros_like(matrix)
    for (r0, r1, c0, c1), block in zip(grid.blocks(), spill.blocks()):
        rebuilt[r0:r1, c0:c1] = block
    np.testing.assert_array_equal(rebuilt, matrix)
    rows = np.array([6, 0, 3, -1, 4, 2])
    cols = np.array([4, 0, 1, 2, -1, 3])
    scores = spill.gather(PairLocations.of(grid, rows, cols))
    np.testing.assert_array_equal(scores[[0, 1, 2, 5]], matrix[rows[[0, 1, 2, 5]], cols[[0, 1, 2, 5]]])
    assert np.isnan(scores[[3, 4]]).all()
