"""Behaviour of eNcore URI parsing and build_output."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cef_connector.config import OutputterSettings
from cef_connector.errors import OutputError
from cef_connector.outputs import AT_LEAST_ONCE, FileOutput, Output, build_output
from cef_connector.outputs.uri import FileTarget, parse_output_uri

BASE = Path("/etc/cef-connector")


@pytest.mark.parametrize(
    ("uri", "target"),
    [
        ("relfile:///data/encore.{0}.cef", FileTarget(BASE / "data", "encore.{0}.cef")),
        ("relfile:///data/json/encore.{0}.json", FileTarget(BASE / "data/json", "encore.{0}.json")),
        ("relfile:///x.{0}.cef", FileTarget(BASE, "x.{0}.cef")),
        ("file:///var/log/cef/x.{0}.cef", FileTarget(Path("/var/log/cef"), "x.{0}.cef")),
        ("FILE:///x.{0}", FileTarget(Path("/"), "x.{0}")),
        ("relfile:///data/", FileTarget(BASE / "data", "log{0}")),
    ],
)
def test_encore_file_uris_split_into_directory_and_template(uri: str, target: FileTarget) -> None:
    assert parse_output_uri(uri, BASE) == target


@pytest.mark.parametrize("scheme", ["scp", "http", "https", "syslog"])
def test_other_network_schemes_are_refused_naming_the_supported_ones(scheme: str) -> None:
    with pytest.raises(OutputError) as caught:
        parse_output_uri(f"{scheme}://127.0.0.1:514", BASE)

    assert str(caught.value) == (
        f"output scheme '{scheme}' is not supported by this version; "
        "supported: file://, relfile://, udp://, tcp://, tls://"
    )


def test_uri_with_host_part_suggests_three_slashes() -> None:
    with pytest.raises(OutputError) as caught:
        parse_output_uri("relfile://data/x.{0}.cef", BASE)

    assert str(caught.value) == (
        "output URI 'relfile://data/x.{0}.cef' has a host part 'data'; file URIs take three "
        "slashes, e.g. relfile:///data/x.{0}.cef"
    )


def test_uri_without_scheme_separator_is_refused() -> None:
    with pytest.raises(OutputError, match="has no '://'"):
        parse_output_uri("data/x.{0}.cef", BASE)


def spec(**changes: object) -> OutputterSettings:
    values: dict[str, object] = {"adapter": "cef", "uri": "relfile:///out/x.{0}.cef"}
    values.update(changes)
    return OutputterSettings(**values)  # type: ignore[arg-type]


def test_build_output_makes_an_at_least_once_file_output(tmp_path: Path) -> None:
    output = build_output(
        spec(max_lines=1, prefix="encore"),
        base_dir=tmp_path,
        clock=lambda: 1588757499.0,
        hostname="collector01",
        local_time=time.gmtime,
    )
    assert isinstance(output, FileOutput)
    assert isinstance(output, Output)
    assert output.DELIVERY == AT_LEAST_ONCE
    assert output.name == "relfile:///out/x.{0}.cef"

    output.open()
    output.write("CEF:0|a")
    output.write("CEF:0|b")
    output.close()

    assert [Path(p).parent for p in output.paths] == [tmp_path / "out", tmp_path / "out"]
    assert [Path(p).read_text(encoding="utf-8") for p in output.paths] == [
        "<13>May  6 09:31:39 collector01 CEF:0|a\n",
        "<13>May  6 09:31:39 collector01 CEF:0|b\n",
    ]


def test_build_output_uses_the_outputter_name_when_given(tmp_path: Path) -> None:
    output = build_output(spec(name="arcsight"), base_dir=tmp_path, clock=time.time, hostname="h")

    assert output.name == "arcsight"


def test_build_output_refuses_scp(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="output scheme 'scp' is not supported"):
        build_output(spec(uri="scp://127.0.0.1/x{0}"), base_dir=tmp_path, clock=time.time,
                     hostname="h")
