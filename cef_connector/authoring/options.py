"""Which mapping set an authoring command works with: configuration, flags, record types.

``mappings check``, ``mappings fields``, ``render`` and ``replay`` take the same choices:
``-c CONF`` (the configured ``handler.mappingSet``, ``handler.deviceVersion``,
``handler.mappingsDirectory`` and ``handler.templatesDirectory``), and flags that
override them (``--set``, ``--mappings DIR``, ``--templates DIR``).  Relative paths given
on the command line start at the current directory, those in the configuration at the
configuration file's directory (the configuration loader resolves them).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from cef_connector.errors import ConfigError, MappingError
from cef_connector.estreamer import RecordType
from cef_connector.mapping import MappingTable
from cef_connector.mapping.loader import DEFAULT_DEVICE_VERSION, MappingReport, load_mappings, validate_mappings
from cef_connector.mapping.schema import suggest

__all__ = ["MappingChoice", "parse_record_type", "record_type_name"]


@dataclass(frozen=True)
class MappingChoice:
    """A mapping set and the overrides merged onto it.

    Attributes:
        mapping_set: the packaged set (``default``, ``encore-compat``).
        device_version: the CEF Device Version header.
        override_dir: override files merged onto the set's files, or None.
        override_templates_dir: templates read after the packaged ones, or None.
    """

    mapping_set: str = "default"
    device_version: str = DEFAULT_DEVICE_VERSION
    override_dir: Path | None = None
    override_templates_dir: Path | None = None

    @classmethod
    def from_arguments(cls, config: Path | None = None, *, mapping_set: str | None = None,
                       mappings: Path | None = None, templates: Path | None = None) -> MappingChoice:
        """Combine a configuration file (optional) with command-line overrides.

        Args:
            config: the configuration file (``-c``), or None.
            mapping_set: ``--set``; overrides ``handler.mappingSet``.
            mappings: ``--mappings DIR``; overrides ``handler.mappingsDirectory``.
            templates: ``--templates DIR``; overrides ``handler.templatesDirectory``.

        Returns:
            The choice.

        Raises:
            ConfigError: the configuration is invalid, or a directory given does not exist.
        """
        choice = cls()
        if config is not None:
            from cef_connector.config import load_settings

            settings = load_settings(config)
            choice = cls(settings.mapping_set, settings.device_version, settings.mappings_dir,
                         settings.templates_dir)
        for flag, path in (("--mappings", mappings), ("--templates", templates)):
            if path is not None and not path.is_dir():
                raise ConfigError(f"{flag} {path}: not a directory; give the directory that holds "
                                  "the override files")
        return replace(
            choice,
            mapping_set=mapping_set or choice.mapping_set,
            override_dir=mappings if mappings is not None else choice.override_dir,
            override_templates_dir=templates if templates is not None else choice.override_templates_dir,
        )

    @property
    def packaged(self) -> MappingChoice:
        """The same set without any override."""
        return replace(self, override_dir=None, override_templates_dir=None)

    @property
    def has_overrides(self) -> bool:
        """True when an override directory is set."""
        return self.override_dir is not None or self.override_templates_dir is not None

    def describe(self) -> str:
        """Say in words which mappings these are (``set 'default' + overrides from DIR``)."""
        text = f"mapping set {self.mapping_set!r}"
        if self.override_dir is not None:
            text += f" with overrides from {self.override_dir}"
        if self.override_templates_dir is not None:
            text += f" and templates from {self.override_templates_dir}"
        return text

    def validate(self) -> MappingReport:
        """Validate the mappings (:func:`cef_connector.mapping.loader.validate_mappings`)."""
        return validate_mappings(self.mapping_set, self.device_version, override_dir=self.override_dir,
                                 override_templates_dir=self.override_templates_dir)

    def load(self) -> MappingTable:
        """Load the mappings; raises ``MappingError`` listing every problem."""
        return load_mappings(self.mapping_set, self.device_version, override_dir=self.override_dir,
                             override_templates_dir=self.override_templates_dir)


def record_type_name(record_type: int) -> str:
    """Return the record type's name (``CONNECTION_STATISTICS``), or ``record <n>``."""
    try:
        return RecordType(record_type).name
    except ValueError:
        return f"record {record_type}"


def parse_record_type(text: str) -> int:
    """Read a record type given as a number (``71``) or a name (``connection_statistics``).

    Args:
        text: what the user typed.

    Returns:
        The record type number.

    Raises:
        MappingError: neither a number nor a known name (with a suggestion).
    """
    stripped = text.strip()
    if stripped.isdigit():
        return int(stripped)
    key = stripped.upper().replace("-", "_").replace(" ", "_")
    if key.endswith(".YAML"):
        key = key[: -len(".YAML")]
    names = {member.name: int(member) for member in RecordType}
    if key in names:
        return names[key]
    raise MappingError(f"{text!r} is not a record type{suggest(key, names).lower()}; give its number "
                       "(71) or its name (connection_statistics)")
