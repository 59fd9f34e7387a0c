#!/bin/sh
# usage: sh run_asgi.sh N RATES SECONDS   (uvicorn asgi_stream:app on 8090 and gunicorn on 5050 running)
cd $(dirname $0)
TOK=$(python3 -c "import json;print(json.load(open('run/token.json'))['token'])")
exec ../../.venv/bin/python client.py --label asgi${LABEL}_$1 --port 8090 \
  --wall-path '/stream?aud=all' --phone-path '/stream?aud=g{grid}' --n $1 --rates $2 --seconds $3 \
  --publish '../../.venv/bin/python publish.py pg --conninfo "$(cat run/conninfo.txt)" --rate {rate} --seconds {seconds} --start {start} --out {out}' \
  --server-pids 'cat run/uvicorn.pid' \
  --get-port 5050 --get-path /api/v1/categories --get-auth "Bearer $TOK"
