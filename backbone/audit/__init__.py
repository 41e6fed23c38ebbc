"""The audit log: an append-only, hash-chained record of every state change and every read of content marked
above `public`, kept in each service's own database.

- Who, what, when, from where, trace id: one row per action, appended in the transaction of the change itself
  (a rolled-back change leaves no entry). Appends are serialised on the chain's head row, so the chain is linear.
- Hash chain: each entry's hash covers its fields and the previous entry's hash; `python -m backbone.audit verify
  <service>` recomputes it and names the first entry that was changed, removed or reordered.
- Sealed (`sealing.py`): the runtime role appends only through `audit_append()`, which numbers, times and hashes
  each entry in the database; a trigger refuses UPDATE, DELETE and TRUNCATE to everyone, the owner included,
  except the retention purge. The head is anchored outside the database (`anchors.py`), so an owner who rewrites
  the chain and recomputes every hash is caught by `verify --anchors`.
- Filed under the owner of the data (`tenant`) and the actor's country: both countries' auditors read the entry.
- Retention: personal fields (the actor's subject and address) are hashed into `personal_digest` with a random
  salt kept beside them; `python -m backbone.audit purge` clears them, salt included, once they are older than
  the retention period: the chain still verifies and the digest can no longer be tied back to a person.
"""

from backbone.audit.log import append, record_change, record_read

__all__ = ["append", "record_change", "record_read"]
