"""Analysis: binarised labels, regressions, agreement, model evaluations and the study report."""
