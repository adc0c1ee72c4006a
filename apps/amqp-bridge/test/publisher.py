# The publisher the bridge exists for, as the field runs it (Debian's python3-pika): a default
# queue_declare, then basic_publish of str(data) with delivery_mode=2. The tests feed it what to
# publish as JSON lines on stdin: {"data": {...} or [...], "message_id": str or null,
# "raw": str (published as it is, instead of str(data)), "raw_hex": bytes in hex}.
# Usage: /usr/bin/python3 publisher.py <queue> [amqp_url]
import json
import sys

import pika

queue = sys.argv[1]
url = sys.argv[2] if len(sys.argv) > 2 else 'amqp://guest:guest@127.0.0.1:5672/%2F'

connection = pika.BlockingConnection(pika.URLParameters(url))
channel = connection.channel()
channel.queue_declare(queue=queue)

published = 0
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    item = json.loads(line)
    if 'raw_hex' in item:
        body = bytes.fromhex(item['raw_hex'])
    elif 'raw' in item:
        body = item['raw']
    else:
        body = str(item['data'])
    properties = pika.BasicProperties(delivery_mode=2)
    if item.get('message_id') is not None:
        properties = pika.BasicProperties(delivery_mode=2, message_id=item['message_id'])
    channel.basic_publish(exchange='', routing_key=queue, body=body, properties=properties)
    published += 1

connection.close()
print(published)
