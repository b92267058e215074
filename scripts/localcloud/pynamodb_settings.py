"""PynamoDB's settings in the local cloud's processes (``PYNAMODB_CONFIG`` names this file).

Each model keeps one botocore client with a pool of 10 connections by default. A REST worker runs 16
threads, and against the serialized moto they all wait on it at once in a rush: urllib3 then opens a
connection for each request beyond the pool and closes it afterwards, so moto accepts (and starts a
thread for) a new connection per request. A pool as large as the busiest process's threads keeps them open.
"""

max_pool_connections = 64
