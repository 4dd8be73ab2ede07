-- wrk script for the POST /orders row: every request places the same small order.
-- The demo answers 201 Created with the order and the 10 most recent ones (JDBC insert + select through
-- HikariCP). wrk counts only statuses >= 400 as "Non-2xx or 3xx responses", so 201 is a success.
wrk.method = "POST"
wrk.body = '{"item":"tea","quantity":2}'
wrk.headers["Content-Type"] = "application/json"
