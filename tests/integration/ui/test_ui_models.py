"""Every Qt model passes pytest-qt's model tester on real data; the sample table loads lazily."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from tracseq_desktop.services.facade import Services
from ui.boxmodel import BoxGridModel, BoxListModel
from ui.detailpanel import HistoryModel, LineageModel
from ui.samplemodel import PAGE_SIZE, SampleTableModel
from ui.treemodel import StorageTreeModel


def test_storage_tree_model(qtmodeltester, services: Services) -> None:
    services.queries.fill_levels()  # the window counts these on a worker at start; the tree never does
    model = StorageTreeModel(services.queries)
    # Lazy: nothing below the site until a branch is fetched.
    site = model.index(0, 0)
    assert model.rowCount(site) == 0 and model.hasChildren(site) and model.canFetchMore(site)
    qtmodeltester.check(model)  # the tester fetches branches itself
    pending = [site]
    labels = []
    while pending:
        index = pending.pop()
        if model.canFetchMore(index):
            model.fetchMore(index)
        for row in range(model.rowCount(index)):
            child = model.index(row, 0, index)
            labels.append(child.data())
            pending.append(child)
    qtmodeltester.check(model)
    assert "B-0001 · 30/81" in labels
    assert "BAG-01 · 3/20" in labels
    assert "F-01 Freezer A · 38/197" in labels


def test_box_models(qtmodeltester, services: Services) -> None:
    grid = BoxGridModel()
    grid.set_box(services.queries.box("B-0001"))
    qtmodeltester.check(grid)
    assert grid.index(0, 4).data(Qt.ItemDataRole.AccessibleTextRole) == (
        "position A5, sample TS-000005, serum, checked out"
    )
    assert grid.index(8, 8).data(Qt.ItemDataRole.AccessibleTextRole) == "position I9, empty"
    assert grid.headerData(2, Qt.Orientation.Vertical) == "C"
    listing = BoxListModel()
    listing.set_box(services.queries.box("BAG-01"))
    qtmodeltester.check(listing)
    assert listing.rowCount() == 3
    grid.set_box(services.queries.box("BAG-01"))  # gridless: the grid model stays empty
    assert grid.rowCount() == 0


def test_sample_table_model_loads_only_the_pages_it_shows(qtmodeltester, services: Services) -> None:
    ids = services.queries.search_ids("")
    # Repeat the ids to get many rows without a big database: the model only sees ids.
    many = (ids * (3 * PAGE_SIZE // len(ids) + 1))[: 3 * PAGE_SIZE]
    loads: list[int] = []

    def load(chunk):  # type: ignore[no-untyped-def]
        loads.append(len(chunk))
        return services.queries.samples_by_ids(chunk)

    model = SampleTableModel(load)
    model.set_ids(many)
    assert model.index(0, 0).data() == "…"  # placeholder; data() did no I/O
    assert loads == []
    model.fetch_pending()
    assert loads == [PAGE_SIZE]
    assert model.index(0, 0).data().startswith("TS-")
    assert model.sample(PAGE_SIZE + 1) is None
    qtmodeltester.check(model)


def test_lineage_and_history_models(qtmodeltester, services: Services) -> None:
    services.samples.aliquot("TS-000002", count=2, volume="100ul", box="B-0002")
    ancestors, children = services.queries.lineage("TS-000002")
    lineage = LineageModel()
    lineage.set_lineage(ancestors, services.queries.get("TS-000002"), children)
    qtmodeltester.check(lineage)
    assert [lineage.index(r, 0).data().split(":")[0] for r in range(3)] == ["this sample", "aliquot", "aliquot"]
    history = HistoryModel()
    history.set_entries(services.queries.history("TS-000002"))
    qtmodeltester.check(history)
    assert history.index(0, 2).data() == "aliquots taken"
    assert history.index(history.rowCount() - 1, 2).data() == "registered"
    assert history.rowCount(QModelIndex()) == 2


def test_tree_shows_fill_once_counted(qtmodeltester, services: Services) -> None:  # type: ignore[no-untyped-def]
    """A cold tree opens without counting a million samples on the GUI thread, then takes the counts."""
    from tracseq_desktop.services.queries import QueryService

    queries = QueryService(services.db)  # nothing counted yet
    model = StorageTreeModel(queries)
    site = model.index(0, 0)
    model.fetchMore(site)
    room = model.index(0, 0, site)
    assert room.data() == "R-101 Biobank"
    model.update_fill(queries.fill_levels())
    assert room.data() == "R-101 Biobank · 38/197"
    qtmodeltester.check(model)
