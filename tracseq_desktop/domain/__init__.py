"""Pure-Python domain model: types, rules and errors. No database, no Qt, no devices."""
