"""kombu's filesystem transport, with messages that appear whole or not at all.

The embedded broker of `make run` (no Redis) is kombu's filesystem transport: the producer
creates the message file in the queue folder and writes it, while a consumer may move and read
it at once, before it is complete: the worker then dies on a JSONDecodeError (seen after 14
minutes of `make run`). Here the producer writes a temporary file beside the queue, under a
name no consumer looks for, and renames it into the queue: a rename is atomic on one
filesystem, so a consumer sees the whole message or nothing.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# Consumers take the files whose name contains ".<queue>.msg"; a file being written is named
# without it.
WRITING_PREFIX = ".writing-"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put `payload` onto `queue`, whole."""
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        writing = os.path.join(self.data_folder_out, f"{WRITING_PREFIX}{uuid.uuid4()}")
        try:
            with open(writing, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
                file.flush()
                os.fsync(file.fileno())
            os.replace(writing, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
