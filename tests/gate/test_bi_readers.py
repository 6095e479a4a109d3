"""What a BI tool sees: the serving file through SQLAlchemy + duckdb-engine, as a BI tool calls
``inspect()``: the published tables, their columns and types, and dbt's descriptions as comments."""

from __future__ import annotations

import re

import duckdb
import sqlalchemy as sa
import yaml  # type: ignore[import-untyped]

from tests.gate.conftest import REPO, TABLES, Published


def _described() -> dict[str, dict[str, str]]:
    """The marts' yml: model -> {column or '' for the model: description}, doc blocks
    (``{{ doc('name') }}``, from models/_docs.md) rendered as dbt renders them."""
    docs_text = (REPO / "dbt_project" / "models" / "_docs.md").read_text()
    docs = {
        name: text.strip()
        for name, text in re.findall(r"{% docs (\w+) %}(.*?){% enddocs %}", docs_text, re.S)
    }

    def rendered(description: str) -> str:
        block = re.fullmatch(r"{{ doc\('(\w+)'\) }}", description)
        return docs[block.group(1)] if block else description

    models = yaml.safe_load((REPO / "dbt_project" / "models" / "marts" / "_marts__models.yml").read_text())
    return {
        m["name"]: {"": m["description"], **{c["name"]: rendered(c["description"]) for c in m["columns"]}}
        for m in models["models"]
    }


def test_sqlalchemy_inspect_sees_tables_columns_and_descriptions(published: Published) -> None:
    engine = sa.create_engine(f"duckdb:///{published.serving}", connect_args={"read_only": True})
    try:
        inspector = sa.inspect(engine)
        assert set(TABLES) <= set(inspector.get_table_names(schema="main"))
        described = _described()
        for table in TABLES:
            columns = inspector.get_columns(table, schema="main")
            assert [c["name"] for c in columns] == [name for name in described[table] if name]
            assert {c["name"]: c["comment"] for c in columns} == {
                k: v for k, v in described[table].items() if k
            }
            assert inspector.get_table_comment(table, schema="main")["text"] == described[table][""]
        types = {c["name"]: c["type"] for c in inspector.get_columns("customer_churn_scores", schema="main")}
        assert isinstance(types["customer_id"], sa.BigInteger) and isinstance(
            types["churn_probability"], sa.Float
        )
        assert isinstance(types["as_of_date"], sa.Date) and isinstance(types["scored_at"], sa.DateTime)
        with engine.connect() as connection:
            rows = connection.execute(sa.text("select count(*) from customer_churn_scores")).scalar()
    finally:
        engine.dispose()
    assert rows == published.sql("select count(*) from published.customer_churn_scores")[0][0]
    # published.* in the warehouse carries the same comments (create table as would drop them)
    comment = published.sql(
        "select comment from duckdb_columns() where schema_name = 'published' "
        "and table_name = 'loan_application_risk_scores' and column_name = 'risk_band'"
    )
    expected = _described()["loan_application_risk_scores"]["risk_band"]
    assert expected and comment == [(expected,)]


def test_the_serving_file_keeps_every_published_date_and_the_compiled_functions(published: Published) -> None:
    """A plain DuckDB reader (no sqlscore) finds the history of every published as-of date and can
    call the models compiled to SQL, with the warehouse's numbers."""
    result = published.run("--as-of", "2026-09-30", "--backfill")
    assert result.returncode == 0, result.stdout[-3000:]
    call = "predict_risk_sql(52000, 21.5, 4, 'car', 12000, 36, 0, 'rent', 0.23)"
    with duckdb.connect(str(published.serving), read_only=True) as reader:
        dates = reader.execute(
            "select as_of_date::varchar, count(*) from customer_churn_scores_history group by 1 order by 1"
        ).fetchall()
        today = reader.execute("select distinct as_of_date::varchar from customer_churn_scores").fetchall()
        in_serving = reader.execute(f"select {call}").fetchall()[0][0]
        listed = dict(reader.execute("select table_name, row_count from serving_info").fetchall())
    assert [d for d, _ in dates] == ["2026-09-30", "2026-10-31"] and all(n > 3000 for _, n in dates)
    assert today == [("2026-09-30",)]  # the table of the day is the date just published
    assert listed["customer_churn_scores_history"] == sum(n for _, n in dates)
    assert published.sql("select count(*) from published.customer_churn_scores_history")[0][0] == sum(
        n for _, n in dates
    )
    with duckdb.connect(str(published.warehouse), read_only=True) as warehouse:
        in_warehouse = warehouse.execute(f"select {call}").fetchall()[0][0]
    assert in_serving == in_warehouse and 0 < in_serving < 1
