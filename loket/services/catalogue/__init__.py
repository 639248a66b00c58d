"""The catalogue: what the other side posted, readable and searchable.

``details`` (an offer's or request's detail page, for whoever may read it), ``offers`` (schools
browse open offers), ``requests`` (companies browse open requests in reach), ``ask`` (a school asks
for a catalogue offer: the request and the proposal in one step), ``query`` (the filters, distance,
fit and pages both share) and ``search`` (full text on SQLite FTS5 or PostgreSQL ``tsvector``)."""
