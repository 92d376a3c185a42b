"""OParl 1.1 of the public data: objects, the ledger that dates them, lists and static files.

Objects are made from the public view (meetprep.publish.view) only. Every object has a stable
URL below the OParl root (`oparl/v1/<body>/paper/<reference>.json`): ids are made from keys and
references, never from database ids, so a rebuild or a new store gives the same ids.

The ledger (`published_objects`) remembers what was published: an object seen for the first time
gets `created`; one whose content changed gets a new `modified`; one that is gone (a paper made
closed, a file withdrawn, an item taken off the agenda) stays in the ledger as
`{"id", "type", "created", "modified", "deleted": true}` and nothing else, as OParl asks.
Content is compared by checksum, so publishing unchanged data changes nothing.

Embedded objects (a meeting's agenda items and files, a paper's consultations and files, a
person's memberships) are stored as their own objects, fetchable at their own id and listed in
the body's lists, and embedded at output time without their back-reference (`meeting`, `paper`,
`person`), as the specification wants. A parent's checksum includes its children's content, so
a changed agenda item makes its meeting modified too.

URLs are stored relative (`oparl-base:oparl/v1/...`) and made absolute with the public base URL
when written or served, so that the base URL can change without republishing.
"""

from meetprep.publish.oparl.ledger import Changes, checksum, sync, system_object
from meetprep.publish.oparl.lists import (absolute, last_page, list_page, output, pages_to_write, spliced_page,
                                          static_list_page)
from meetprep.publish.oparl.objects import build_objects
from meetprep.publish.oparl.paths import (BASE, DOWNLOAD, EMBED, LISTS, PAGE_SIZE, ROOT, SCHEMA, bodies_path, body_path, download_path, error_object,
                                          kind_of_list, list_path, object_path, static_page_path, system_path, url)

__all__ = ["build_objects", "Changes", "sync", "last_page", "download_path", "DOWNLOAD", "error_object", "checksum", "system_object", "output", "list_page", "spliced_page",
           "static_list_page", "pages_to_write", "absolute", "BASE", "EMBED", "LISTS", "PAGE_SIZE", "ROOT", "SCHEMA",
           "bodies_path", "body_path", "kind_of_list", "list_path", "object_path", "static_page_path",
           "system_path", "url"]
