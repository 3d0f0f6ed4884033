#!/usr/bin/python3
"""Reference Poisson GLM fits with statsmodels' IRLS, for `mimic bench glm`.

Usage: statsmodels_glm.py DESIGN.csv COUNTS.csv OUT.csv
Fits an unpenalised Poisson GLM (log link, intercept added) per column of COUNTS, writes the
coefficients (intercept first) one row per neuron, and prints the seconds spent fitting.
"""
import sys
import time

import numpy as np
import statsmodels.api as sm


def main():
    design, counts, out = sys.argv[1:4]
    x = sm.add_constant(np.loadtxt(design, delimiter=","), has_constant="add")
    y = np.loadtxt(counts, delimiter=",", ndmin=2)
    rows = []
    start = time.perf_counter()
    for n in range(y.shape[1]):
        fit = sm.GLM(y[:, n], x, family=sm.families.Poisson()).fit(method="IRLS", tol=1e-12, maxiter=100)
        rows.append(fit.params)
    seconds = time.perf_counter() - start
    np.savetxt(out, np.array(rows), delimiter=",", fmt="%.15g")
    print(f"{seconds:.6f}")


if __name__ == "__main__":
    main()
