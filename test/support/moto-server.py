"""moto_server with S3's conditional writes made atomic, as S3 makes them.

moto checks a PUT's If-Match or If-None-Match against the stored object and
writes the object afterwards, in one of its request threads; under load a
second PUT with the same condition can pass its check between the two, and
both are written. S3 lets exactly one of them succeed. Each write that can
carry a condition (PutObject, CopyObject, CompleteMultipartUpload) runs here
under one lock, so moto answers as S3 does; reads are not held up.

Run as moto_server is: python3 moto-server.py -H 127.0.0.1 -p PORT
"""

import sys
import threading

from moto.s3.responses import S3Response
from moto.server import main

_writes = threading.Lock()


def _one_at_a_time(method):
    def locked(self, *args, **kwargs):
        with _writes:
            return method(self, *args, **kwargs)

    return locked


S3Response.put_object = _one_at_a_time(S3Response.put_object)
S3Response.copy_object = _one_at_a_time(S3Response.copy_object)
S3Response._key_response_post = _one_at_a_time(S3Response._key_response_post)

if __name__ == "__main__":
    main(sys.argv[1:])
