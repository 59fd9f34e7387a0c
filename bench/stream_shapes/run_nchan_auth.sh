#!/bin/sh
# usage: sh run_nchan_auth.sh N RATES SECONDS  — phones subscribe through nchan_authorize_request
cd $(dirname $0)
TOK=$(python3 -c "import json;print(json.load(open('run/token.json'))['token'])")
exec ../../.venv/bin/python client.py --label nchan_auth_$1 --port 8080 --token "$TOK" \
  --wall-path /sub/wall --phone-path '/sub/phone_auth?g={grid}&w={i}' --n $1 --rates $2 --seconds $3 \
  --publish '../../.venv/bin/python publish.py http --rate {rate} --seconds {seconds} --start {start} --out {out}' \
  --server-pids 'cat run/nginx.pid; pgrep -P $(cat run/nginx.pid); pgrep -f "gunicorn.*5050"' \
  --get-port 8080 --get-path /api/v1/categories --get-auth "Bearer $TOK"
