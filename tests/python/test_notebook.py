"""examples/explore.ipynb runs top to bottom, headless, on a fresh run's
output, and renders its plots."""

import nbformat
from nbclient import NotebookClient

from conftest import REPO

NOTEBOOK = REPO / "examples" / "explore.ipynb"


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.id


def test_notebook_executes_and_renders_plots(out_dir, monkeypatch):
    # The kernel inherits this process's environment when it starts.
    monkeypatch.setenv("NEWSFLOW_OUT", str(out_dir))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=180,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},  # cwd = examples/
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error

    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    pngs = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(pngs) >= 2, "the topic and timeline plots should render as PNG"
    html = "".join(out.get("data", {}).get("text/html", "") for out in outputs)
    assert "<mark" in html, "the document view should highlight evidence"
