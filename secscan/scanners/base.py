"""The scanner interface: a manifest's layers in, a report out. Two implementations, chosen by
configuration: the built-in indexer and matcher (no endpoint configured) and Clair v4
(``SECURITY_SCANNER_V4_ENDPOINT``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LayerRef:
    digest: str
    size: int
    location: str


@dataclass(frozen=True)
class ManifestRef:
    repository_id: int
    repository: str
    digest: str
    layers: tuple[LayerRef, ...]


@dataclass
class ScanReport:
    """``failed`` carries the reason; otherwise ``features`` are Quay's, ready to show. The
    built-in scanner also keeps ``packages`` and ``distribution`` to match again later."""

    features: list[dict] = field(default_factory=list)
    packages: list[dict] = field(default_factory=list)
    distribution: dict = field(default_factory=dict)
    failed: str = ""
    layers_indexed: int = 0
    layers_reused: int = 0


class ScannerUnavailable(Exception):
    """The scanner could not be asked (Clair down, storage unreachable): try again later."""


class Scanner(ABC):
    name: str

    @abstractmethod
    def scan(self, manifest: ManifestRef) -> ScanReport: ...

    def features_rematch(self, packages: list[dict], distribution: dict) -> list[dict] | None:
        """Features for stored packages against the current data; None when the scanner keeps
        its own data (Clair)."""
        return None
