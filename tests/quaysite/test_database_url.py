"""Database URLs: every libpq option in the query string reaches the connection; a typo stops start-up."""

from __future__ import annotations

import os

import psycopg
import pytest
from django.db.backends.postgresql.base import DatabaseWrapper

from quaysite.config import ConfigError, database_from_url, load_config


def test_libpq_options_in_the_query_string_reach_django_options():
    database = database_from_url(
        "postgresql://quay:pw@db.internal:5432/quay?sslmode=verify-full&sslrootcert=/etc/ca.pem"
        "&sslcert=/etc/c.pem&sslkey=/etc/k.pem&connect_timeout=5&application_name=quay"
        "&options=-c%20statement_timeout%3D5000&target_session_attrs=read-write"
    )
    assert database["OPTIONS"] == {
        "server_side_binding": True,
        "prepare_threshold": 2,
        "sslmode": "verify-full",
        "sslrootcert": "/etc/ca.pem",
        "sslcert": "/etc/c.pem",
        "sslkey": "/etc/k.pem",
        "connect_timeout": "5",
        "application_name": "quay",
        "options": "-c statement_timeout=5000",
        "target_session_attrs": "read-write",
    }
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.internal", "5432", "quay")


def test_an_unknown_option_stops_start_up_naming_it_and_hiding_the_password():
    with pytest.raises(ConfigError, match="unknown libpq option\\(s\\) sslmod, timeout") as raised:
        database_from_url("postgresql://quay:s3cret@db/quay?sslmod=require&timeout=5")
    assert "s3cret" not in str(raised.value)


def test_an_unknown_option_in_the_environment_stops_load_config():
    with pytest.raises(ConfigError, match="sslmod"):
        load_config({"DATABASE_URL": "postgresql://quay@db/quay?sslmod=require"})


def test_a_socket_directory_may_come_as_the_host_option():
    database = database_from_url("postgresql:///quay?host=/run/postgresql")
    assert (database["HOST"], database["NAME"]) == ("/run/postgresql", "quay")
    assert "host" not in database["OPTIONS"]


def test_an_option_given_twice_is_refused():
    with pytest.raises(ConfigError, match="host is given twice"):
        database_from_url("postgresql://db.internal/quay?host=/run/postgresql")


def test_percent_encoded_credentials_are_decoded():
    database = database_from_url("postgresql://quay:p%40ss%2Fword@db/quay")
    assert database["PASSWORD"] == "p@ss/word"


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs the PostgreSQL test server"
)
def test_a_real_connection_carries_the_options():
    database = database_from_url(
        os.environ["DATABASE_URL"] + "?application_name=quay-probe&connect_timeout=3"
    )
    database.update(
        {"TIME_ZONE": None, "CONN_HEALTH_CHECKS": False, "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False}
    )
    params = DatabaseWrapper(database, alias="probe").get_connection_params()
    # The keyword arguments Django hands psycopg, minus Django's own (cursor factory, binding).
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as connection:
        assert connection.execute("SHOW application_name").fetchone() == ("quay-probe",)
