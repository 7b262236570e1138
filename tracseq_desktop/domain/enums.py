"""Enumerations of the storage domain, with the words people see."""

from __future__ import annotations

from enum import StrEnum

from tracseq_desktop.i18n import N_, _


class TemperatureClass(StrEnum):
    MINUS_80 = "-80C"
    MINUS_20 = "-20C"
    PLUS_4 = "+4C"
    LN2 = "LN2"
    ROOM = "RT"

    @property
    def display_name(self) -> str:
        return _(_TEMPERATURE_TITLES[self])


_TEMPERATURE_TITLES = {
    TemperatureClass.MINUS_80: N_("−80 °C"),
    TemperatureClass.MINUS_20: N_("−20 °C"),
    TemperatureClass.PLUS_4: N_("+4 °C"),
    TemperatureClass.LN2: N_("liquid nitrogen"),
    TemperatureClass.ROOM: N_("room temperature"),
}


class LocationKind(StrEnum):
    SITE = "site"
    ROOM = "room"
    UNIT = "unit"
    RACK = "rack"
    SHELF = "shelf"
    BOX = "box"

    @property
    def display_name(self) -> str:
        return _(_KIND_TITLES[self])


_KIND_TITLES = {
    LocationKind.SITE: N_("site"),
    LocationKind.ROOM: N_("room"),
    LocationKind.UNIT: N_("storage unit"),
    LocationKind.RACK: N_("rack"),
    LocationKind.SHELF: N_("shelf"),
    LocationKind.BOX: N_("box"),
}

#: Which kinds may hold which: a location's parent must be of one of these kinds.
ALLOWED_PARENTS: dict[LocationKind, tuple[LocationKind, ...]] = {
    LocationKind.SITE: (),
    LocationKind.ROOM: (LocationKind.SITE,),
    LocationKind.UNIT: (LocationKind.ROOM,),
    LocationKind.RACK: (LocationKind.UNIT,),
    LocationKind.SHELF: (LocationKind.UNIT,),
    LocationKind.BOX: (LocationKind.RACK, LocationKind.SHELF, LocationKind.UNIT),
}


class UnitType(StrEnum):
    FREEZER_MINUS_80 = "freezer-80"
    FREEZER_MINUS_20 = "freezer-20"
    FRIDGE = "fridge"
    LN2_DEWAR = "ln2-dewar"
    ROOM_CABINET = "rt-cabinet"

    @property
    def temperature_class(self) -> TemperatureClass:
        return _UNIT_CLASSES[self]

    @property
    def display_name(self) -> str:
        return _(_UNIT_TITLES[self])


_UNIT_CLASSES = {
    UnitType.FREEZER_MINUS_80: TemperatureClass.MINUS_80,
    UnitType.FREEZER_MINUS_20: TemperatureClass.MINUS_20,
    UnitType.FRIDGE: TemperatureClass.PLUS_4,
    UnitType.LN2_DEWAR: TemperatureClass.LN2,
    UnitType.ROOM_CABINET: TemperatureClass.ROOM,
}

_UNIT_TITLES = {
    UnitType.FREEZER_MINUS_80: N_("freezer −80 °C"),
    UnitType.FREEZER_MINUS_20: N_("freezer −20 °C"),
    UnitType.FRIDGE: N_("fridge +4 °C"),
    UnitType.LN2_DEWAR: N_("LN2 dewar"),
    UnitType.ROOM_CABINET: N_("room-temperature cabinet"),
}


class SampleStatus(StrEnum):
    AVAILABLE = "available"
    CHECKED_OUT = "checked_out"
    CONSUMED = "consumed"
    DISCARDED = "discarded"

    @property
    def display_name(self) -> str:
        return _(_STATUS_TITLES[self])

    @property
    def is_final(self) -> bool:
        """A consumed or discarded sample can no longer be moved, checked out or split."""
        return self in (SampleStatus.CONSUMED, SampleStatus.DISCARDED)


_STATUS_TITLES = {
    SampleStatus.AVAILABLE: N_("available"),
    SampleStatus.CHECKED_OUT: N_("checked out"),
    SampleStatus.CONSUMED: N_("consumed"),
    SampleStatus.DISCARDED: N_("discarded"),
}
