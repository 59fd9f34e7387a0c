#!/bin/sh
# usage: sh run_nchan.sh N RATES SECONDS   (nginx from nginx.conf and gunicorn on 5050 running)
cd $(dirname $0)
TOK=$(python3 -c "import json;print(json.load(open('run/token.json'))['token'])")
exec ../../.venv/bin/python client.py --label nchan_$1 --port 8080 \
  --wall-path /sub/wall --phone-path '/sub/phone?g={grid}&w={i}' --n $1 --rates $2 --seconds $3 \
  --publish '../../.venv/bin/python publish.py http --rate {rate} --seconds {seconds} --start {start} --out {out}' \
  --server-pids 'cat run/nginx.pid; pgrep -P $(cat run/nginx.pid)' \
  --get-port 8080 --get-path /api/v1/categories --get-auth "Bearer $TOK"
