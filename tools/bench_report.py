"""Shared output of the benchmark table scripts (gemm_table.py, layer_table.py)."""


def write_text(text, md_path):
    """Prints the markdown and, if asked, writes it to md_path."""
    print(text)
    if md_path:
        with open(md_path, "w") as f:
            f.write(text + "\n")


def pyplot():
    """matplotlib's pyplot on a file-only backend (no display here)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt
