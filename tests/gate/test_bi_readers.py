"""What a BI tool sees: the serving file through SQLAlchemy + duckdb-engine, as a BI tool calls
``inspect()``: the published tables, their columns and types, and dbt's descriptions as comments."""

from __future__ import annotations

import sqlalchemy as sa
import yaml  # type: ignore[import-untyped]

from tests.gate.conftest import REPO, TABLES, Published


def _described() -> dict[str, dict[str, str]]:
    """The marts' yml: model -> {column or '' for the model: description}."""
    models = yaml.safe_load((REPO / "dbt_project" / "models" / "marts" / "_marts__models.yml").read_text())
    return {
        m["name"]: {"": m["description"], **{c["name"]: c["description"] for c in m["columns"]}}
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
