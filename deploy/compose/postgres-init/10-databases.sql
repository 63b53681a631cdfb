-- Runs once, when the postgres volume is first initialised (docker-entrypoint-initdb.d).
-- POSTGRES_DB creates `gatehouse` (auth-service); the resource services get their own.
-- In production the services never create databases, so they must exist before the first boot.
CREATE DATABASE gatehouse_orders;
CREATE DATABASE gatehouse_inventory;
