"""What the command line says, in Chinese and English: the help of every Gridmap command and
option, what the commands report, and the refusals of the imports they run. Part of the one
catalogue (app/messages.py merges it; tests/test_messages.py checks both languages); kept
apart so that the catalogue the API answers from stays readable.

Help texts are keyed cli.help.<group>.<command>.<option> and said when the help is shown
(app/cli/words.py); a command's report is cli.<group>.<what>."""
from __future__ import annotations

COMMAND_LINE: dict[str, dict[str, str]] = {
    # -- what every command's help page and refusal is made of --------------------------------------
    # before a refusal's words (which are not a blank: a blank holding personal data is masked whole)
    "cli.error": {"zh": "错误：", "en": "Error: "},
    "cli.help.usage": {"zh": "用法：", "en": "Usage: "},
    "cli.help.options_metavar": {"zh": "[选项]", "en": "[OPTIONS]"},
    "cli.help.subcommand_metavar": {"zh": "命令 [参数]...", "en": "COMMAND [ARGS]..."},
    "cli.help.separator": {"zh": "；", "en": "; "},
    "cli.help.options": {"zh": "选项", "en": "Options"},
    "cli.help.commands": {"zh": "命令", "en": "Commands"},
    "cli.help.help": {"zh": "显示本帮助并退出。", "en": "Show this message and exit."},
    "cli.help.default": {"zh": "默认：{value}", "en": "default: {value}"},
    "cli.help.required": {"zh": "必填", "en": "required"},
    "cli.help.env_var": {"zh": "环境变量：{names}", "en": "env var: {names}"},
    "cli.help.lang": {
        "zh": "回答所用的语言  [默认：系统区域设置（LANG）的语言，否则 zh]",
        "en": "the language of the answer  [default: the locale's (LANG), else zh]",
    },
    "cli.line": {"zh": "  第 {line} 行：{why}", "en": "  line {line}: {why}"},
    # a long command's progress (app/cli/progress.py): "导入 x.pbf：读取 1,200、写入 800"
    "cli.progress": {"zh": "{label}：{counts}", "en": "{label}: {counts}"},
    "cli.progress.count": {"zh": "{what} {count:,}", "en": "{what} {count:,}"},
    "cli.progress.importing": {"zh": "导入 {file}", "en": "importing {file}"},
    "cli.progress.read": {"zh": "读取", "en": "read"},
    "cli.progress.cleaned": {"zh": "清理", "en": "cleaned"},
    "cli.progress.stored": {"zh": "存储", "en": "stored"},
    "cli.progress.checked": {"zh": "检查", "en": "checked"},
    "cli.progress.write": {"zh": "写入", "en": "write"},
    "cli.progress.written": {"zh": "已写入", "en": "written"},
    "cli.progress.streets": {"zh": "街道", "en": "streets"},
    "cli.progress.grids": {"zh": "网格", "en": "grids"},
    "cli.progress.numbers": {"zh": "号码所在记录", "en": "entries with numbers"},
    "cli.progress.versions": {"zh": "历史版本", "en": "versions"},
    "cli.progress.departments": {"zh": "部门", "en": "departments"},
    "cli.progress.cameras": {"zh": "摄像头", "en": "cameras"},
    "cli.progress.buildings": {"zh": "建筑", "en": "buildings"},
    "cli.progress.plates": {"zh": "门牌", "en": "plates"},
    "cli.progress.codes": {"zh": "二维码", "en": "codes"},
    "cli.progress.pages": {"zh": "页", "en": "pages"},
    "cli.progress.steps": {"zh": "步", "en": "steps"},
    # the levels of the division, one and many
    "cli.level.district": {"zh": "区", "en": "district"},
    "cli.level.street": {"zh": "街道", "en": "street"},
    "cli.level.community": {"zh": "社区", "en": "community"},
    "cli.level.grid": {"zh": "网格", "en": "grid"},
    "cli.levels.district": {"zh": "区", "en": "districts"},
    "cli.levels.street": {"zh": "街道", "en": "streets"},
    "cli.levels.community": {"zh": "社区", "en": "communities"},
    "cli.levels.grid": {"zh": "网格", "en": "grids"},

    # -- a database that is not ready (app/cli/__init__.py) -------------------------------------------
    "cli.database.missing": {
        "zh": "数据库 {database} 在 {host}:{port} 上不存在：请先创建它"
              "（createdb -h {host} -p {port} -U {user} {database}），再运行 `{upgrade}`。",
        "en": "The database {database} does not exist on {host}:{port}: create it "
              "(createdb -h {host} -p {port} -U {user} {database}), then run `{upgrade}`.",
    },
    "cli.database.unreachable": {
        "zh": "无法连接 {host}:{port} 上的数据库（{reason}）：请启动它"
              "（内置数据库用 `flask --app app db-server start`），或更正 DATABASE_URL。",
        "en": "The database at {host}:{port} cannot be reached ({reason}): start it "
              "(`flask --app app db-server start` for the embedded one) or correct DATABASE_URL.",
    },
    "cli.database.no_schema": {
        "zh": "数据库 {database} 还没有表结构：请先运行 `{upgrade}`。",
        "en": "The database {database} has no schema yet: run `{upgrade}` first.",
    },
    "cli.database.behind": {
        "zh": "数据库 {database} 处于迁移版本 {revisions}，而本代码需要 {heads}：请先运行 `{upgrade}`。",
        "en": "The database {database} is at migration {revisions}, not this code's {heads}: run `{upgrade}` first.",
    },

    # -- flask db-server, flask db (app/cli/database.py) ----------------------------------------------
    "cli.help.db_server": {"zh": "var/ 下的内置 PostGIS 数据库集群。", "en": "The embedded PostGIS cluster under var/."},
    "cli.help.db_server.start": {
        "zh": "启动内置数据库集群（第一次运行时先建立它），并建好数据库 gridmap。",
        "en": "Start the embedded cluster (made the first time) with its database gridmap.",
    },
    "cli.help.db_server.stop": {"zh": "停止内置数据库集群（及其正在运行的只读副本）。",
                                "en": "Stop the embedded cluster (and its replica, when one runs)."},
    "cli.help.db_server.status": {
        "zh": "内置数据库集群是否在运行、在哪个端口，它的只读副本，以及副本的复制槽让主库保留了多少 WAL"
              "（集群未运行时退出码为 3）。",
        "en": "Whether the embedded cluster runs, and on which port; its replica, and how much WAL the "
              "replica's slot keeps on it (exit status 3 when the cluster does not run).",
    },
    "cli.help.db_server.backup": {
        "zh": "在备份目录中做一次基础备份；保留最新的 KEEP 份及其后的 WAL。",
        "en": "A base backup into the backup directory; the newest KEEP and the WAL after them stay.",
    },
    "cli.help.db_server.backup.keep": {
        "zh": "保留的基础备份份数  [默认：GRIDMAP_BACKUP_KEEP，即 7]",
        "en": "base backups to keep  [default: GRIDMAP_BACKUP_KEEP, 7]",
    },
    "cli.help.db_server.backups": {
        "zh": "保留的基础备份，以及 WAL 归档覆盖到的时刻。",
        "en": "The base backups kept, and how far the WAL archive reaches.",
    },
    "cli.help.db_server.restore": {
        "zh": "用备份把数据库集群恢复到某一时刻的状态，并启动它。",
        "en": "Brings the cluster back from its backups as it was at a moment, and starts it.",
    },
    "cli.help.db_server.restore.to": {
        "zh": "要恢复到的时刻，如 2026-11-24T08:00:00+08:00（不带时区偏移时按 GRIDMAP_TIMEZONE），"
              "或 latest：归档所及的最新时刻",
        "en": "the moment to bring back, e.g. 2026-11-24T08:00:00+08:00 (without an offset: in "
              "GRIDMAP_TIMEZONE), or latest: as far as the archive reaches",
    },
    "cli.help.db_server.restore.into": {
        "zh": "恢复到一个新目录，与正在运行的集群并存，后者照常运行  [默认：替换正在运行的集群，须先停止它]",
        "en": "a new directory to restore into, beside the live cluster, which keeps running  "
              "[default: in place of the live cluster, which must be stopped]",
    },
    "cli.help.db_server.replica": {
        "zh": "内置数据库集群的流复制只读副本（var/replica）：图层、瓦片和大屏图表从它读取。",
        "en": "The embedded cluster's streaming replica (var/replica): layers, tiles and the wall's charts "
              "read from it.",
    },
    "cli.help.db_server.replica.start": {
        "zh": "启动只读副本；还没有时先用 pg_basebackup 从正在运行的集群复制出来（复制用户、复制槽、"
              "pg_hba.conf 条目缺什么补什么）。",
        "en": "Start the replica; made first, when there is none, with pg_basebackup from the running cluster "
              "(the replication role, slot and pg_hba.conf line added where missing).",
    },
    "cli.help.db_server.replica.stop": {
        "zh": "停止只读副本：在 replica start 再次启动它之前，读取由主库回答，不报警告。它的复制槽留在主库上，"
              "为它保留 WAL，直到 --remove。",
        "en": "Stop the replica: the primary answers the reads, with no warning, until replica start starts "
              "it again. Its slot stays on the primary, keeping WAL for it, until --remove.",
    },
    "cli.help.db_server.replica.stop.remove": {
        "zh": "同时删除副本并删掉它的复制槽（否则主库一直为它保留 WAL）",
        "en": "also delete the replica and drop its slot (else the primary keeps WAL for it)",
    },
    "cli.help.db_server.replica.status": {
        "zh": "只读副本是否在运行、落后主库多少（退出码：运行中为 0；已停止、没在运行或没有副本时为 3）。",
        "en": "Whether the replica runs, and how far behind the primary it is (exit status 0 when it runs; "
              "3 when it is stopped, not running or absent).",
    },
    "cli.help.db": {
        "zh": "数据库表结构迁移（migrations/ 中的 Alembic 版本）。",
        "en": "Schema migrations (Alembic revisions in migrations/).",
    },
    "cli.help.db.upgrade": {
        "zh": "把数据库迁移到 REVISION 版本（默认：最新的 head）。",
        "en": "Migrate the database to REVISION (default: head, the newest).",
    },
    "cli.help.db.downgrade": {
        "zh": "把数据库退回到 REVISION 版本（默认：-1，退一步）。",
        "en": "Take the database back to REVISION (default: -1, one step).",
    },
    "cli.db_server.running": {
        "zh": "PostGIS 正在 127.0.0.1:{port} 上运行（数据在 {data}）",
        "en": "PostGIS is running on 127.0.0.1:{port} (data in {data})",
    },
    "cli.db_server.stopped": {"zh": "PostGIS 已停止。", "en": "PostGIS stopped."},
    "cli.db_server.status.running": {
        "zh": "正在 127.0.0.1:{port} 上运行（数据在 {data}）",
        "en": "running on 127.0.0.1:{port} (data in {data})",
    },
    "cli.db_server.status.stopped": {"zh": "已停止", "en": "stopped"},
    "cli.db_server.status.uninitialised": {"zh": "尚未建立", "en": "not initialised"},
    "cli.db_server.status.replica_running": {
        "zh": "只读副本：正在 127.0.0.1:{port} 上运行（数据在 {data}）",
        "en": "replica: running on 127.0.0.1:{port} (data in {data})",
    },
    "cli.db_server.status.replica_stopped": {
        "zh": "只读副本：已停止（数据在 {data}；flask db-server replica start 可再次启动）",
        "en": "replica: stopped (data in {data}; flask db-server replica start starts it again)",
    },
    "cli.db_server.status.replica_down": {
        "zh": "只读副本：没有运行，但不是被停止的（数据在 {data}；flask db-server replica start 可启动它）",
        "en": "replica: not running, though nobody stopped it (data in {data}; flask db-server replica start "
              "starts it)",
    },
    # the replica's slot on the primary (pg_replication_slots), and the WAL it holds there
    "cli.db_server.slot.active": {
        "zh": "复制槽 {slot}：副本正在接收，主库为它保留着 {size:.1f} MB 的 WAL",
        "en": "replication slot {slot}: the replica receives, and the primary keeps {size:.1f} MB of WAL for it",
    },
    "cli.db_server.slot.idle": {
        "zh": "复制槽 {slot}：没有副本在接收，主库为它保留着 {size:.1f} MB 的 WAL，在副本再次启动之前还会一直增长；"
              "不再需要副本时，flask db-server replica stop --remove 删除副本和它的复制槽",
        "en": "replication slot {slot}: no replica receives, and the primary keeps {size:.1f} MB of WAL for it, "
              "growing until the replica starts again; flask db-server replica stop --remove deletes the "
              "replica and its slot when it is no longer wanted",
    },
    "cli.db_server.slot.unknown": {
        "zh": "它的复制槽留在主库上，为它保留 WAL（主库没在运行，无法查看有多少）；"
              "flask db-server replica stop --remove 删除副本和它的复制槽",
        "en": "its slot stays on the primary, keeping WAL for it (the primary is not running: how much cannot "
              "be asked); flask db-server replica stop --remove deletes the replica and its slot",
    },
    "cli.db_server.backup_bar": {"zh": "基础备份", "en": "base backup"},
    "cli.db_server.backed_up": {
        "zh": "基础备份 {path}（{size:.1f} MB）；共保留 {kept} 份，可恢复 {since} 以后的任一时刻",
        "en": "base backup {path} ({size:.1f} MB); {kept} kept, restorable from {since} on",
    },
    "cli.db_server.archive_warning": {
        "zh": "警告：{problem} 在那之前，这份基础备份只能恢复到备份的那一刻，不能恢复其后的时刻。",
        "en": "Warning: {problem} Until then this base backup restores the moment it was taken, not later ones.",
    },
    "cli.db_server.no_backup": {"zh": "{path} 中没有基础备份", "en": "no base backup in {path}"},
    "cli.db_server.backup_line": {
        "zh": "{name}  完成于 {at}  {size:.1f} MB",
        "en": "{name}  finished {at}  {size:.1f} MB",
    },
    "cli.db_server.archived": {"zh": "WAL 已归档到 {path}，截至 {until}", "en": "WAL archived in {path} until {until}"},
    "cli.db_server.archived_none": {"zh": "（尚无）", "en": "(none yet)"},
    "cli.db_server.restored": {
        "zh": "已从基础备份 {base} 恢复到 {moment}：正在 127.0.0.1:{port} 上运行（数据在 {data}）。",
        "en": "Restored to {moment} from base backup {base}: running on 127.0.0.1:{port} (data in {data}).",
    },
    "cli.db_server.restored_latest": {
        "zh": "已从基础备份 {base} 恢复到归档的最新时刻：正在 127.0.0.1:{port} 上运行（数据在 {data}）。",
        "en": "Restored to the latest moment archived from base backup {base}: running on 127.0.0.1:{port} "
              "(data in {data}).",
    },
    "cli.db_server.replaced": {
        "zh": "被替换的数据目录保留在 {path}；确认无误后可以删除。",
        "en": "The data directory it replaced is kept in {path}; delete it once you are satisfied.",
    },
    "cli.db_server.beside": {
        "zh": "正在运行的集群未受影响。设 GRIDMAP_VAR_DIR={path} 即可使用恢复出的这个集群"
              "（带同一变量运行 flask db-server stop 可停止它）。",
        "en": "The live cluster is untouched. GRIDMAP_VAR_DIR={path} serves this one "
              "(flask db-server stop, with the same variable, stops it).",
    },
    "cli.db_server.bad_moment": {
        "zh": "{value} 既不是 latest，也不是 2026-11-24T08:00:00+08:00 这样的日期时间。",
        "en": "{value} is neither latest nor a date and time such as 2026-11-24T08:00:00+08:00.",
    },
    "cli.db_server.replica_bar": {"zh": "复制数据库", "en": "copying the database"},
    "cli.db_server.replica.running": {
        "zh": "只读副本正在 127.0.0.1:{port} 上运行（数据在 {data}）；落后不超过 {bound:g} 秒时，"
              "应用的图层、瓦片和图表从它读取。",
        "en": "The replica is running on 127.0.0.1:{port} (data in {data}); the app's layers, tiles and charts "
              "read from it while it is no more than {bound:g} s behind.",
    },
    "cli.db_server.replica.stopped": {
        "zh": "只读副本已停止；读取改由主库回答，直到 flask db-server replica start 再次启动它。",
        "en": "Replica stopped; the primary answers the reads until flask db-server replica start starts it again.",
    },
    "cli.db_server.replica.stopped_too": {"zh": "它的只读副本（数据在 {data}）也已停止。",
                                          "en": "Its replica (data in {data}) stopped too."},
    "cli.db_server.replica.removed": {"zh": "只读副本已停止并删除，它的复制槽已删掉。",
                                      "en": "Replica stopped and deleted, its slot dropped."},
    "cli.db_server.replica.absent": {"zh": "没有只读副本（flask db-server replica start 可建立）",
                                     "en": "no replica (flask db-server replica start makes one)"},
    "cli.db_server.replica.status_stopped": {
        "zh": "只读副本已停止（数据在 {data}；flask db-server replica start 可再次启动）",
        "en": "replica stopped (data in {data}; flask db-server replica start starts it again)",
    },
    "cli.db_server.replica.status_down": {
        "zh": "只读副本没有运行，但不是被停止的（数据在 {data}）：应用每隔一段时间再试它；"
              "flask db-server replica start 可启动它",
        "en": "replica not running, though nobody stopped it (data in {data}): the app tries it again now and "
              "then; flask db-server replica start starts it",
    },
    "cli.db_server.replica.status": {
        "zh": "只读副本正在 127.0.0.1:{port} 上运行（数据在 {data}），复制状态：{state}",
        "en": "replica running on 127.0.0.1:{port} (data in {data}), replication: {state}",
    },
    "cli.db_server.replica.lag": {
        "zh": "落后主库 {bytes:,} 字节，延迟 {lag} 秒",
        "en": "behind the primary by {bytes:,} bytes, lag {lag} s",
    },
    "cli.db_server.replica.paused": {"zh": "重放已暂停（pg_wal_replay_pause()）",
                                     "en": "replay paused (pg_wal_replay_pause())"},
    "cli.db.at": {"zh": "数据库现处于版本 {revision}", "en": "database at {revision}"},

    # -- flask import, generate, setup-demo (app/cli/data.py) -----------------------------------------
    "cli.help.import": {
        "zh": "导入数据：OpenStreetMap 数据，城镇自己的街道、社区和网格，摄像头，部件，各类表格。",
        "en": "Import data: OpenStreetMap extracts, the town's own areas, cameras, city parts, tables.",
    },
    "cli.help.import.osm": {
        "zh": "从 .osm.pbf 文件导入建筑、道路、铁路、河流、摄像头、城市部件（路灯、消火栓、井盖、垃圾桶、"
              "座椅、公交站……），以及给城镇命名的行政边界和地名（重复运行只更新，不重复）。",
        "en": "Buildings, roads, railways, rivers, cameras, city parts (street lamps, hydrants, manholes, "
              "bins, benches, bus stops…), and the administrative boundaries and places that name the "
              "town, from an .osm.pbf file (re-running updates, never duplicates).",
    },
    "cli.help.import.areas": {
        "zh": "从 GeoPackage、Shapefile 或 GeoJSON（EPSG:4326、4490、3857、UTM 或 CGCS2000 高斯-克吕格投影）"
              "导入街道、社区或网格，带城镇自己的编码和名称。网格像备案的方案一样成为现行划分，历史保留。",
        "en": "Streets, communities or grids with the town's own codes and names, from a GeoPackage, "
              "Shapefile or GeoJSON (EPSG:4326, 4490, 3857, UTM or CGCS2000 Gauss-Krüger). Grids become "
              "the current division as a filed plan does, their history kept.",
    },
    "cli.help.import.areas.level": {"zh": "文件中区域的层级", "en": "the level of the file's areas"},
    "cli.help.import.areas.code_field": {
        "zh": "各区域编码所在的字段：它是键，重新导入即更新",
        "en": "each area's code: its key, so a re-import updates",
    },
    "cli.help.import.areas.name_field": {"zh": "名称（中文）所在的字段", "en": "its name (Chinese)"},
    "cli.help.import.areas.name_en_field": {
        "zh": "英文名称所在的字段  [默认：同中文名称]",
        "en": "its English name  [default: the name]",
    },
    "cli.help.import.areas.parent_field": {
        "zh": "所在上级区域的编码所在的字段  [默认：包含其内点的上一级区域]",
        "en": "the code of the area it lies in  [default: the area of the level above holding its "
              "point on surface]",
    },
    "cli.help.import.areas.tolerance_m": {
        "zh": "相距小于此值（米）的轮廓线视为同一条线：清理并贴合，不列为不一致",
        "en": "outlines closer than this are the same line: cleaned and fitted, not listed",
    },
    "cli.help.import.cameras": {
        "zh": "从 CSV 文件导入摄像头：lon、lat，以及 id、kind、bearing、fov、range_m、height_m、name、owner、"
              "status 中的任意列。缺少的数值取文档所述的默认值，并标为估计值。",
        "en": "Cameras from a CSV file: lon, lat and any of id, kind, bearing, fov, range_m, height_m, "
              "name, owner, status. Missing figures get the documented defaults, flagged as estimated.",
    },
    "cli.help.import.source": {
        "zh": "文件来源系统的名称；id 在同一来源内唯一",
        "en": "names the file's system; ids are unique within it",
    },
    "cli.help.import.categories": {
        "zh": "事件类别及其处置时限（CSV）。",
        "en": "Incident categories with their time limits (CSV).",
    },
    "cli.help.import.parts": {
        "zh": "从 CSV 文件导入城市部件：lon、lat、kind（本系统的代码、中文名称或国家标准代码），以及 status、"
              "name、id（来源系统自己的编号：重新导入即更新）中的任意列。每个部件归入包含它的网格；"
              "被拒绝的行连同原因一并列出。",
        "en": "City parts (部件) from a CSV file: lon, lat, kind (its code, its Chinese name or the "
              "national standard's code), and any of status, name, id (the source's own: re-importing "
              "updates). Each part goes to the grid holding it; refused lines are listed with the reason.",
    },
    "cli.help.import.departments": {
        "zh": "承办案件的协同单位：编码、名称、类型、值班电话和邮箱、服务的区域（CSV；按编码新增或更新）。",
        "en": "Departments (协同单位) that take cases: code, names, kind, duty phone and mailbox, "
              "the areas they serve (CSV; upserted by code).",
    },
    "cli.help.import.routing": {
        "zh": "分流规则：类别、区域、紧急程度 → 网格、部门或两者（CSV）。每行成为其组合的现行规则；"
              "被替换的规则作为历史保留。",
        "en": "Routing rules (分流): category, area, severity → grid, department or both (CSV). Each "
              "row becomes the rule in force for its combination; the one it replaces is kept as history.",
    },
    "cli.help.generate": {"zh": "生成网格划分和合成城市。", "en": "Generate divisions and synthetic cities."},
    "cli.help.generate.areas": {
        "zh": "为已导入的建筑划分街道 → 社区 → 网格，按数据中城镇自己的边界和地名命名（flask import osm），"
              "或按选项给出的名称。",
        "en": "Derive streets → communities → grids for the imported buildings, named after the town's "
              "own boundaries and places in the extract (flask import osm), or as the options say.",
    },
    "cli.help.generate.seed": {"zh": "随机种子：同一种子得出同样的结果", "en": "the random seed: the same one gives the same result"},
    "cli.help.generate.areas.seed": {"zh": "生成网格员姓名所用的随机种子", "en": "for the generated worker names"},
    "cli.help.generate.areas.city_name": {
        "zh": "城市的中文名  [默认：取自数据中的边界或地名]",
        "en": "the city's Chinese name  [default: from the extract's boundaries or places]",
    },
    "cli.help.generate.areas.city_name_en": {
        "zh": "城市的英文名  [默认：取自数据；给了 --city-name 时与之相同]",
        "en": "its English name  [default: the extract's; with --city-name, that name]",
    },
    "cli.help.generate.areas.code_prefix": {
        "zh": "所有区域编码开头的 2–6 位字母或数字  [默认：取自英文名]",
        "en": "2–6 letters or digits every area's code begins with  [default: from the English name]",
    },
    "cli.help.generate.city": {
        "zh": "生成一座有 SCALE 个街道的合成城市，每个街道取预设的公开数据。",
        "en": "A synthetic city of SCALE streets, each with the preset's published figures.",
    },
    "cli.help.generate.city.preset": {"zh": "以哪个街道为蓝本", "en": "the street it is modelled on"},
    "cli.help.generate.city.scale": {"zh": "预设规模的街道个数", "en": "how many streets of the preset's size"},
    "cli.help.setup_demo": {
        "zh": "迁移数据库，然后补齐演示城市（赫尔辛基数据）缺少的部分；在内置数据库上还创建演示账号。可重复运行。",
        "en": "Migrate, then load what is missing of the demo city (the Helsinki extract), and on the "
              "embedded database the demo accounts. Idempotent.",
    },
    "cli.help.setup_demo.demo_accounts": {
        "zh": "在 DATABASE_URL 指定的数据库上也创建演示账号：每个角色一个，密码 demo",
        "en": "also on a database named by DATABASE_URL: one account per role, password demo",
    },
    "cli.import.osm.done": {
        "zh": "建筑 {buildings:,} 栋（{households:,} 户），道路 {roads:,} 条，铁路、河流、岸线和院落轮廓 "
              "{ground:,} 条，摄像头 {cameras:,} 个，城市部件 {parts:,} 个，可设专属网格的场所 {sites:,} 处，"
              "行政边界和地名 {places:,} 个",
        "en": "{buildings:,} buildings ({households:,} households), {roads:,} roads, {ground:,} railways, "
              "rivers, shores and compound outlines, {cameras:,} cameras, {parts:,} city parts, "
              "{sites:,} sites for special grids, {places:,} boundaries and named places",
    },
    "cli.import.osm.skipped": {"zh": "  跳过 {count:,} 个：{why}", "en": "  skipped {count:,}: {why}"},
    "cli.import.areas.summary": {
        "zh": "{file}（{crs}）中的{many} {features:,} 个：新增 {new:,}，变更 {changed:,}，未变 {unchanged:,}",
        "en": "{features:,} {many} from {file} ({crs}): {new:,} new, {changed:,} changed, {unchanged:,} unchanged",
    },
    "cli.import.areas.filed": {
        "zh": "已作为方案 {plan} 备案：新开网格 {opened:,} 个，关闭 {closed:,} 个，保留 {kept:,} 个；"
              "{buildings:,} 栋建筑（{households:,} 户）和 {incidents:,} 件未结事件改属其他网格",
        "en": "filed as plan {plan}: {opened:,} grids opened, {closed:,} closed, {kept:,} kept; "
              "{buildings:,} buildings ({households:,} households) and {incidents:,} open incidents changed grid",
    },
    "cli.import.areas.repaired": {"zh": "自相交的轮廓已修复：{codes}", "en": "outlines crossing themselves, repaired: {codes}"},
    "cli.import.areas.cleaned": {
        "zh": "已在 {tolerance:g} 米内清理覆盖（移动了 {moved:,} 个{many}）",
        "en": "coverage cleaned within {tolerance:g} m ({moved:,} of the {many} moved)",
    },
    "cli.import.areas.fitted": {"zh": "；已贴合下级：{codes}", "en": "; fitted to their children: {codes}"},
    "cli.import.areas.without_worker": {
        "zh": "{count:,} 个网格还没有专职网格员（请在网格方案中指定）：{codes}",
        "en": "{count:,} grids have no full-time worker yet (give them one in a grid plan): {codes}",
    },
    "cli.import.areas.orphan": {"zh": "  {level} {code}：不在任何{above}内", "en": "  {level} {code}: lies in no {above}"},
    "cli.import.areas.gap": {
        "zh": "{area:,.2f} 平方米不属于它的任何{children}",
        "en": "{area:,.2f} m² belong to none of its {children}",
    },
    "cli.import.areas.overlap": {
        "zh": "{children} {parts} 重叠 {area:,.2f} 平方米",
        "en": "{children} {parts} overlap by {area:,.2f} m²",
    },
    "cli.import.areas.outside": {
        "zh": "{child} {parts} 有 {area:,.2f} 平方米在它之外",
        "en": "{area:,.2f} m² of {child} {parts} lie outside it",
    },
    "cli.import.areas.and": {"zh": "与", "en": " and "},
    "cli.import.areas.mismatch": {
        "zh": "  {level} {code}：{what}，位于 {lon:.6f}, {lat:.6f}",
        "en": "  {level} {code}: {what}, at {lon:.6f}, {lat:.6f}",
    },
    "cli.import.areas.sliver": {
        "zh": "  {level} {code}：{count} 条窄于 {tolerance:g} 米的细缝，共 {area:,.2f} 平方米，最大的位于 {lon:.6f}, {lat:.6f}",
        "en": "  {level} {code}: {count} sliver narrower than {tolerance:g} m, {area:,.2f} m² in all, "
              "the largest at {lon:.6f}, {lat:.6f}",
    },
    "cli.import.areas.slivers": {
        "zh": "  {level} {code}：{count} 条窄于 {tolerance:g} 米的细缝，共 {area:,.2f} 平方米，最大的位于 {lon:.6f}, {lat:.6f}",
        "en": "  {level} {code}: {count} slivers narrower than {tolerance:g} m, {area:,.2f} m² in all, "
              "the largest at {lon:.6f}, {lat:.6f}",
    },
    "cli.import.areas.remains": {"zh": "仍有 {count:,} 处不一致：", "en": "{count:,} mismatch remains:"},
    "cli.import.areas.remain": {"zh": "仍有 {count:,} 处不一致：", "en": "{count:,} mismatches remain:"},
    "cli.import.areas.none_remains": {"zh": "没有剩下的不一致", "en": "no mismatch remains"},
    "cli.import.cameras.done": {
        "zh": "摄像头 {cameras:,} 个；城市范围外的 {outside:,} 个未导入；拒绝 {refused:,} 行",
        "en": "{cameras:,} cameras; {outside:,} outside the city left out; {refused:,} lines refused",
    },
    "cli.import.categories.done": {
        "zh": "事件类别 {count} 个，其中 {classes} 个带国家标准分类（GB/T 30428.2）",
        "en": "{count} categories, {classes} of them with the national standard's class (GB/T 30428.2)",
    },
    "cli.import.parts.done": {
        "zh": "部件 {parts:,} 个（新增 {new:,}，更新 {updated:,}，不在任何网格内 {outside:,}）；拒绝 {refused:,} 行",
        "en": "{parts:,} parts ({new:,} new, {updated:,} updated, {outside:,} in no grid); {refused:,} lines refused",
    },
    "cli.import.departments.done": {"zh": "协同单位 {count} 个", "en": "{count} departments"},
    "cli.import.routing.done": {"zh": "分流规则 {count} 条", "en": "{count} routing rules"},
    "cli.generate.bad_prefix": {
        "zh": "{value} 不是以字母开头的 2–6 位字母或数字（如 HEL、SZ01）",
        "en": "{value} is not 2–6 letters or digits beginning with a letter (e.g. HEL, SZ01)",
    },
    "cli.generate.dividing": {"zh": "划分", "en": "dividing"},
    "cli.generate.generating": {"zh": "生成 {preset} × {scale}", "en": "generating {preset} × {scale}"},
    "cli.generate.named": {"zh": "{city}，编码 {code}；街道：{streets}", "en": "{city}, code {code}; streets: {streets}"},
    "cli.generate.both_names": {"zh": "{zh}（{en}）", "en": "{zh} ({en})"},
    "cli.generate.report": {
        "zh": "街道 {streets} 个，社区 {communities} 个，网格 {grids} 个，专职网格员 {workers} 名，共 {households:,} 户",
        "en": "{streets} streets, {communities} communities, {grids} grids, {workers} full-time grid "
              "workers, {households:,} households",
    },
    "cli.generate.special": {
        "zh": "其中专属网格 {count} 个（学校、医院、公园等场所单独成格，不计户数标准）：{kinds}",
        "en": "of them {count} special grids (schools, hospitals, parks… carved out as grids of their own, "
              "outside the household standard): {kinds}",
    },
    "cli.generate.out_of_range": {
        "zh": "{count} 个网格的户数不在 {least}–{most} 之间（已是能做到的最接近）：",
        "en": "{count} grids fall outside {least}–{most} households (the closest achievable):",
    },
    "cli.generate.in_range": {"zh": "每个综合网格都在 {least}–{most} 户之间", "en": "every comprehensive grid holds {least}–{most} households"},
    "cli.generate.on_ground": {
        "zh": "{km:,.1f} 公里网格线中有 {share:.0%} 位于道路、铁路或河流 10 米以内",
        "en": "{share:.0%} of {km:,.1f} km of grid lines lie within 10 m of a road, railway or river",
    },
    "cli.generate.elongated": {"zh": "  {code} 的长是宽的 {ratio} 倍", "en": "  {code} is {ratio}× longer than wide"},
    "cli.demo.importing": {
        "zh": "正在导入演示城市（赫尔辛基市中心，© OpenStreetMap 贡献者）……",
        "en": "Importing the demo city (central Helsinki, © OpenStreetMap contributors)…",
    },
    "cli.demo.parts": {"zh": "从演示数据导入城市部件 {count:,} 个", "en": "{count:,} city parts from the demo extract"},
    "cli.demo.ready": {"zh": "演示城市已就绪。", "en": "The demo city is ready."},
    "cli.demo.production": {
        "zh": "生产模式：不创建演示账号（请用 flask users create）。",
        "en": "Production mode: no demo accounts are created (flask users create).",
    },
    "cli.demo.not_here": {
        "zh": "DATABASE_URL 指定的数据库上不创建演示账号：请用 `flask users create` 创建账号，"
              "或用 `flask setup-demo --demo-accounts` 要求创建演示账号。",
        "en": "No demo accounts on a database named by DATABASE_URL: create accounts with "
              "`flask users create`, or ask for them with `flask setup-demo --demo-accounts`.",
    },
    "cli.demo.register": {
        "zh": "在演示网格员的网格中虚构了 {count} 户（登记）",
        "en": "{count} made-up households in the demo worker's grid (the register, 登记)",
    },
    "cli.demo.accounts": {"zh": "演示账号（密码：{password}）：", "en": "Demo accounts (password: {password}):"},
    "cli.demo.account": {"zh": "  {username}  可见：{sees}", "en": "  {username} sees {sees}"},
    # what each demo account sees (services/accounts/demo.py)
    "demo.sees.everything": {"zh": "全部", "en": "everything"},
    "demo.sees.grid": {"zh": "网格 {grid}（{worker}）", "en": "grid {grid} ({worker})"},
    "demo.sees.department": {"zh": "{department} 部门的案件", "en": "department {department}'s cases"},
    "demo.sees.area": {"zh": "{area}", "en": "{area}"},
    "demo.no_division": {
        "zh": "还没有网格划分：请先生成划分，再创建演示账号。",
        "en": "There is no division yet: generate one before the demo accounts.",
    },

    # -- flask users (app/cli/users.py) ----------------------------------------------------------------
    "cli.help.users": {
        "zh": "账号：创建账号，修改密码、角色或范围，停用账号。",
        "en": "Accounts: create them, change password, role or scope, disable them.",
    },
    "cli.help.users.create": {"zh": "创建账号。", "en": "Create an account."},
    "cli.help.users.role": {"zh": "账号的角色：它能做什么", "en": "the account's role: what it may do"},
    "cli.help.users.password": {"zh": "密码（不给出时询问两次）", "en": "the password (asked for twice when not given)"},
    "cli.help.users.scope_area": {"zh": "区域编码（市、区、街道或社区）", "en": "area code (city, district, street or community)"},
    "cli.help.users.scope_grids": {"zh": "网格编码，以逗号分隔", "en": "comma-separated grid codes"},
    "cli.help.users.worker": {"zh": "网格员账号所属的网格员编码", "en": "the worker code a worker account belongs to"},
    "cli.help.users.department": {"zh": "部门账号所属的部门编码", "en": "the department code a department account belongs to"},
    "cli.help.users.name": {"zh": "同事看到的姓名（如王敏）", "en": "the person's name as colleagues read it (王敏)"},
    "cli.help.users.set_password": {
        "zh": "给账号设新密码（上线前的演示账号；忘了密码的网格员）。其登录会话结束；API 令牌保留。",
        "en": "Give an account a new password (the demo accounts' before production; a worker who "
              "forgot theirs). Its login sessions end; its API tokens stay.",
    },
    "cli.help.users.set_role": {"zh": "给账号换一个角色。", "en": "Give an account another role."},
    "cli.help.users.set_scope": {
        "zh": "设定账号能看到的范围：一个区域，或若干网格。",
        "en": "Set what an account sees: an area, or grids.",
    },
    "cli.help.users.area": {"zh": "区域编码", "en": "area code"},
    "cli.help.users.disable": {
        "zh": "停用账号：其会话结束、令牌失效，它在各服务进程中打开的实时流在数秒内结束。",
        "en": "Disable an account: its sessions end, its tokens stop working, and its open live "
              "streams end within seconds in every serving process.",
    },
    "cli.help.users.list": {
        "zh": "所有账号：角色、是否启用、范围。",
        "en": "Every account: its role, whether it is active, its scope.",
    },
    "cli.users.password": {"zh": "密码", "en": "Password"},
    "cli.users.new_password": {"zh": "新密码", "en": "New password"},
    "cli.users.needs_scope": {
        "zh": "{role} 只能看到自己范围内的数据：请给出 --scope-area 或 --scope-grids。",
        "en": "A {role} sees only their scope: give --scope-area or --scope-grids.",
    },
    "cli.users.created": {"zh": "已创建 {username}（{role}）", "en": "created {username} ({role})"},
    "cli.users.password_set": {
        "zh": "{username} 已设新密码；其会话均已退出登录",
        "en": "{username} has a new password; their sessions are signed out",
    },
    "cli.users.role_set": {"zh": "{username} 现在是 {role}", "en": "{username} is now {role}"},
    "cli.users.scope_set": {"zh": "{username} 可见：{scope}", "en": "{username} sees {scope}"},
    "cli.users.disabled": {"zh": "{username} 已停用", "en": "{username} is disabled"},
    "cli.users.active": {"zh": "启用", "en": "active"},
    "cli.users.inactive": {"zh": "停用", "en": "disabled"},
    "cli.users.everything": {"zh": "全部", "en": "everything"},

    # -- flask incidents, simulate (app/cli/incidents.py) --------------------------------------------
    "cli.help.incidents": {"zh": "事件闭环：时钟与日常维护。", "en": "The incident loop: the clock and housekeeping."},
    "cli.help.incidents.tick": {
        "zh": "标记超时的事件并上报一级（由 cron 运行，或交给应用自带的时钟）。",
        "en": "Mark overdue incidents and escalate them one level (run from cron, or let the app's own clock do it).",
    },
    "cli.help.incidents.tick.now": {
        "zh": "按这个 ISO 8601 时间运行时钟（默认：现在）",
        "en": "ISO 8601 time to run the clock at (default: now)",
    },
    "cli.help.incidents.forget_keys": {
        "zh": "删除超过设定天数的 Idempotency-Key 已存应答。",
        "en": "Drop stored Idempotency-Key answers older than the configured days.",
    },
    "cli.incidents.zone": {
        "zh": "请带上时区，如 2026-11-23T08:00:00+08:00",
        "en": "give a time zone, e.g. 2026-11-23T08:00:00+08:00",
    },
    "cli.incidents.busy": {
        "zh": "另一个进程正在运行时钟；本次什么也没做。",
        "en": "Another process is running the clock right now; nothing done.",
    },
    "cli.incidents.ticked": {
        "zh": "超时 {overdue} 件，上报 {escalated} 件。",
        "en": "{overdue} overdue, {escalated} escalated.",
    },
    "cli.incidents.escalated": {"zh": "  已上报 {code}", "en": "  escalated {code}"},
    "cli.incidents.forgotten": {"zh": "已删除 {count} 条已存应答。", "en": "{count} stored answers removed."},
    "cli.help.simulate": {
        "zh": "演示用的城市生活：在建筑周围上报事件，让它们走完闭环；专职网格员在自己的网格里巡走"
              "（GRIDMAP_SIMULATED_DUTY_HOURS，城市时间），并走到他们受理的事件处——有真人操作的除外"
              "（演示账号 `worker`，以及一小时内在网页上登录过的账号）。",
        "en": "Demo life: report incidents around buildings and move them through the loop; the "
              "full-time grid workers walk their grids (GRIDMAP_SIMULATED_DUTY_HOURS, city time) and to "
              "the incidents they accept — except those a person acts for (the demo `worker` account, "
              "and accounts signed in on the web within the hour).",
    },
    "cli.help.simulate.rate": {"zh": "每小时新上报的事件数", "en": "new reports per hour"},
    "cli.help.simulate.history_hours": {
        "zh": "先回放过去这么多小时，让地图一打开就是热闹的一天（0：不回放）",
        "en": "first play this many past hours, so the map opens on a lived-in day (0: none)",
    },
    "cli.help.simulate.step": {"zh": "实时步之间的秒数", "en": "seconds between live steps"},
    "cli.help.simulate.steps": {"zh": "要运行的实时步数（0：直到停止）", "en": "live steps to run (0: until stopped)"},
    "cli.help.simulate.walk": {
        "zh": "网格员在网格中巡走，并走到他们受理的事件处",
        "en": "the grid workers walk their grids and to the incidents they accept",
    },
    "cli.simulate.walking": {
        "zh": "{walking} 名网格员在网格中巡走，{start:02d}:00–{end:02d}:00（{zone}）；{left} 名留给手持手机的真人。",
        "en": "{walking} grid workers walk their grids, {start:02d}:00–{end:02d}:00 {zone}; "
              "{left} left to the people holding their phones.",
    },
    "cli.simulate.playing": {"zh": "回放最近 {hours:.1f} 小时", "en": "Playing the last {hours:.1f} h"},
    "cli.simulate.history": {"zh": "回放：{tally}。", "en": "History: {tally}."},
    "cli.simulate.tally": {
        "zh": "上报 {reported}；{steps}；超时 {overdue}，上报上级 {escalated}",
        "en": "{reported} reported; {steps}; {overdue} overdue, {escalated} escalated",
    },
    "cli.simulate.tally_walked": {
        "zh": "上报 {reported}；{steps}；超时 {overdue}，上报上级 {escalated}；定位点 {fixes}",
        "en": "{reported} reported; {steps}; {overdue} overdue, {escalated} escalated; {fixes} fixes",
    },
    "cli.simulate.step_count": {"zh": "{step} {count}", "en": "{step} {count}"},
    "cli.simulate.no_steps": {"zh": "无处置步骤", "en": "no steps"},
    "cli.simulate.stopped": {"zh": "模拟已停止。", "en": "Simulation stopped."},
    "simulation.no_city": {
        "zh": "模拟需要建筑和事件类别：请先载入城市（make demo，或 flask import / flask generate）。",
        "en": "The simulation needs buildings and categories: load a city first "
              "(make demo, or flask import / flask generate).",
    },

    # -- flask assessment, register, calendar (assessment.py, base_register.py, register_sheets.py,
    #    calendar.py: they say their answers in --lang, else the locale's language) --------------------
    "cli.help.assessment": {
        "zh": "考核：排名与星级，生成可打印的报告。",
        "en": "The assessment (考核): rankings and stars as a printable report.",
    },
    "cli.help.assessment.report": {
        "zh": "把当月考核写成 PDF：全区数据，街道、社区、网格和网格员的排名及图表，部门排名（含退回、"
              "转派和协办），然后每个街道一页。错误用 --lang 的语言说，否则用系统区域设置（LANG）的语言，"
              "否则用中文。",
        "en": "Write the month's assessment as a PDF: the whole area's figures, the rankings of "
              "streets, communities, grids and workers with charts, the departments' ranking (with their "
              "returns, transfers and help), then a page for each street. Errors are said in --lang, else "
              "in the locale's language (LANG=en_US.UTF-8), else in Chinese.",
    },
    "cli.help.assessment.report.month": {
        "zh": "日历月份，YYYY-MM，按城市时区",
        "en": "the calendar month, YYYY-MM, in the city's time zone",
    },
    "cli.help.assessment.report.out": {
        "zh": "要写入的 PDF  [默认：当前目录下的 assessment-YYYY-MM.pdf]",
        "en": "the PDF to write  [default: assessment-YYYY-MM.pdf in this directory]",
    },
    "cli.help.assessment.report.lang": {"zh": "报告的语言  [默认：zh]", "en": "the report's language  [default: zh]"},
    "cli.help.assessment.report.street": {
        "zh": "街道编码：只出这个街道的报告",
        "en": "a street's code: the report of that street alone",
    },
    "cli.assessment.progress": {"zh": "考核 {month}", "en": "Assessment {month}"},
    "cli.help.register": {
        "zh": "网格基础登记（人、房、单位）：工作簿与门牌。",
        "en": "The grid's base register (人、房、单位): workbooks and door plates.",
    },
    "cli.help.register.rotate_key": {
        "zh": "把登记中的身份证号和电话从要退役的密钥（GRIDMAP_REGISTER_KEY_PREVIOUS）换到新密钥"
              "（GRIDMAP_REGISTER_KEY），历史版本中的副本一并更换；中途停下可再次运行，从停下处继续。",
        "en": "Move the register's ID numbers and phones from the key being retired "
              "(GRIDMAP_REGISTER_KEY_PREVIOUS) to the new one (GRIDMAP_REGISTER_KEY), their copies in "
              "the versions too; stopped half-way, run it again and it goes on.",
    },
    "cli.register.rotate_progress": {"zh": "更换登记密钥", "en": "Rotating the register key"},
    "cli.help.register.plates": {
        "zh": "把网格的门牌写入 OUT（PDF）：每个楼栋单元一块，每块带指向 GRIDMAP_PUBLIC_URL 下 /q/<token> "
              "的二维码、地址、网格、社区和网格员姓名。错误用 --lang 的语言说，否则用系统区域设置的语言。",
        "en": "Write the grid's door plates to OUT (a PDF): one per building entrance, each with its QR "
              "code to /q/<token> under GRIDMAP_PUBLIC_URL, the address, the grid, the community and the "
              "grid worker's name. Errors are said in --lang, else in the locale's language.",
    },
    "cli.help.register.grid": {"zh": "现行网格的编码", "en": "the current grid's code"},
    "cli.help.register.plates.lang": {"zh": "门牌的语言  [默认：zh]", "en": "the plates' language  [default: zh]"},
    "cli.register.plates_progress": {"zh": "门牌 {grid}", "en": "Door plates {grid}"},
    "cli.help.register.lang": {
        "zh": "消息和文件的语言  [默认：系统区域设置（LANG）的语言，否则 zh]",
        "en": "the language of the messages and the file  [default: the locale's, else zh]",
    },
    "cli.help.register.template": {
        "zh": "把空白工作簿写入 PATH（.xlsx），用于登记房屋、住户和单位：第 1 行是表头，第 2 行是导入读取的"
              "字段名，另有一张列出楼栋的表（楼栋编码和地址，每行凭它指明楼栋）和一份填写说明。",
        "en": "Write an empty workbook to PATH (.xlsx) for houses, residents and organisations: row 1 "
              "the headers, row 2 the field names the import reads, a sheet listing the buildings (their "
              "codes and addresses, by which a row names its building) and a guide.",
    },
    "cli.help.register.template.grid": {
        "zh": "只列出这个网格的楼栋  [默认：所有楼栋]",
        "en": "list only this grid's buildings  [default: every building]",
    },
    "cli.help.register.import": {
        "zh": "导入 PATH（.xlsx：按模板排布的房屋、实有人口和单位三张表）。每行新增一条，或更新它已对应的"
              "那一条（房屋按楼栋、单元、楼层和房号；人员按身份证号，否则按姓名和房屋；单位按统一社会信用代码，"
              "否则按名称和楼栋），每次改动都是一个新版本；违反规则的行被拒绝。每个被拒绝的行及原因写入 PATH "
              "旁的 NAME.report.xlsx，号码已遮蔽。",
        "en": "Import PATH (.xlsx: the sheets 房屋, 实有人口 and 单位, as the template lays them out). Each "
              "row is added, or updates the entry it already is (a house by building, entrance, floor and "
              "room; a person by ID number, else name and house; an organisation by credit code, else name "
              "and building), each change a new version; a row breaking a rule is refused. The report of "
              "every refused row and why is written beside PATH as NAME.report.xlsx, numbers masked.",
    },
    "cli.help.register.import.dry_run": {
        "zh": "检查每一行并写出报告，但不做任何改动",
        "en": "check every row and write the report, but change nothing",
    },
    "cli.help.register.export": {
        "zh": "把网格的房屋、住户和单位写入 PATH（.xlsx），身份证号和电话已遮蔽，文件中写明谁、何时、为何导出；"
              "访问日志记下这次导出、原因和其中的每一个人。文件可原样再导入。",
        "en": "Write the grid's houses, residents and organisations to PATH (.xlsx), ID numbers and "
              "phones masked, with who took it, when and why in the file; the access log records the "
              "export, its reason and everyone in it. The file imports again as it is.",
    },
    "cli.help.register.export.reason": {
        "zh": "原因（2 到 200 个字）：记入日志并印在文件中",
        "en": "why (2 to 200 characters): logged and printed in the file",
    },
    "cli.help.calendar": {
        "zh": "工作日历：工作日、节假日、调休，以及本市的调整。",
        "en": "The working calendar (工作日历): working days, holidays, 调休, the city's overrides.",
    },
    "cli.help.calendar.show": {
        "zh": "MONTH（YYYY-MM）的每一天：上班与否及原因——法定节假日、调休上班、周末，或本市的调整及其说明。",
        "en": "Each day of MONTH (YYYY-MM): working or not, and why — a statutory holiday, a 调休 "
              "make-up working day, a weekend, or the city's override with its note.",
    },
    "cli.help.calendar.set": {
        "zh": "把 DAY（YYYY-MM-DD）设为上班日或休息日，不论法定日历怎么说。此后计算的期限按此计；已定的期限不变。",
        "en": "Make DAY (YYYY-MM-DD) a working day or a rest day, whatever the statutory calendar says. "
              "Deadlines computed from now on count it so; those already set stay.",
    },
    "cli.help.calendar.set.working": {"zh": "这一天上班或休息", "en": "the day is worked (上班) or not (休息)"},
    "cli.help.calendar.set.note": {"zh": "原因，照此显示在日历上（如台风停工）", "en": "why, as the calendar shows it (e.g. 台风停工)"},
    "cli.help.calendar.unset": {
        "zh": "撤销本市对 DAY（YYYY-MM-DD）的调整：重新由法定日历决定。",
        "en": "Take the city's override off DAY (YYYY-MM-DD): the statutory calendar decides again.",
    },

    # -- flask cameras (app/cli/cameras.py) ------------------------------------------------------------
    "cli.help.cameras": {"zh": "视频摄像头及其覆盖范围。", "en": "Video cameras and their coverage."},
    "cli.help.cameras.coverage": {
        "zh": "重新计算有变化的摄像头（或其周围建筑有变化的）的覆盖范围，以及盲区。",
        "en": "Recompute the coverage of cameras that changed (or whose buildings did), and the blind spots.",
    },
    "cli.help.cameras.coverage.all": {
        "zh": "重新计算所有摄像头，而不只是排队中的。",
        "en": "Recompute every camera, not only the queued ones.",
    },
    "cli.help.cameras.coverage.method": {
        "zh": "visibility：按建筑遮挡裁剪；sector：单纯的扇形（作对比用）。",
        "en": "visibility: clipped by the buildings; sector: the plain wedge (for comparison).",
    },
    "cli.cameras.progress": {"zh": "摄像头覆盖范围", "en": "camera coverage"},
    "cli.cameras.done": {
        "zh": "{seconds:.1f} 秒内算完 {cameras:,} 个摄像头（其中 {nothing:,} 个被建筑挡住、什么也看不到）；"
              "周边道路上有盲区 {blind:,} 处。",
        "en": "{cameras:,} cameras in {seconds:.1f} s ({nothing:,} see nothing past the buildings); "
              "{blind:,} blind spots on the roads around them.",
    },
    "cli.cameras.all_see": {
        "zh": "每个摄像头都至少能看到其视野的 {share:.0%}。",
        "en": "Every camera sees at least {share:.0%} of its view.",
    },
    "cli.cameras.see_little": {
        "zh": "{count:,} 个摄像头能看到的不足其视野的 {share:.0%}：{why}。",
        "en": "{count:,} cameras see less than {share:.0%} of their view: {why}.",
    },
    "cli.cameras.why_count": {"zh": "{why} {count:,} 个", "en": "{count:,} {why}"},
    "cli.cameras.why.offline": {"zh": "离线或维护中", "en": "offline or in maintenance"},
    "cli.cameras.why.inside_building": {"zh": "立在建筑轮廓内", "en": "stands inside a building footprint"},
    "cli.cameras.why.facing_wall": {"zh": "对着墙", "en": "faces a wall"},
    "cli.cameras.blind": {
        "zh": "  摄像头 {id} {name}：{sector:,.0f} 平方米中看得到 {seen:,.0f}，{why}",
        "en": "  camera {id} {name}: {seen:,.0f} of {sector:,.0f} m², {why}",
    },
    "cli.cameras.more": {"zh": "  ……另有 {count:,} 个", "en": "  … and {count:,} more"},

    # -- flask notify (app/cli/notify.py) --------------------------------------------------------------
    "cli.help.notify": {
        "zh": "给报告人的消息：发送到期的消息，把已放弃的重新排队。",
        "en": "Messages to reporters: send what is due, queue the dead again.",
    },
    "cli.help.notify.send": {
        "zh": "在已配置的渠道上发送所有此刻到期的消息（服务器自己也会发送）。",
        "en": "Send every message that is due now, on the channels configured (the servers do this by themselves).",
    },
    "cli.help.notify.retry": {
        "zh": "把已放弃（dead）的消息重新排队，从第一次尝试重新开始。",
        "en": "Queue the messages given up on (dead) again, from their first attempt.",
    },
    "cli.help.notify.retry.channel": {"zh": "只处理这个渠道的", "en": "only this channel's"},
    "cli.notify.no_channel": {
        "zh": "没有配置任何渠道：请设置 GRIDMAP_SMS_URL 或 GRIDMAP_SMTP_HOST（见 README「告知报告人」）。",
        "en": "No channel is configured: set GRIDMAP_SMS_URL or GRIDMAP_SMTP_HOST (README, \"Telling the reporter\").",
    },
    "cli.notify.sent": {
        "zh": "已发送 {sent} 条，待重试 {failed} 条，已放弃 {dead} 条，已取消 {cancelled} 条（无联系方式）。",
        "en": "{sent} sent, {failed} to be tried again, {dead} given up, {cancelled} cancelled (no contact).",
    },
    "cli.notify.queued": {"zh": "已重新排队 {count} 条消息。", "en": "{count} message(s) queued again."},

    # -- flask positions (app/cli/positions.py, services/field/tracks.py) ----------------------------
    "cli.help.positions": {"zh": "网格员的位置。", "en": "Workers' positions."},
    "cli.help.positions.retain": {
        "zh": "删除早于 GRIDMAP_POSITION_RETENTION_MONTHS 个月的定位点，删除前先把每名网格员每天的轨迹保存到 "
              "track_day。供 cron 使用，如每天一次。",
        "en": "Drop months of fixes older than GRIDMAP_POSITION_RETENTION_MONTHS, keeping each worker's "
              "daily route in track_day first. For cron, e.g. daily.",
    },
    "cli.help.positions.keep": {
        "zh": "把每名网格员已过完的一天的轨迹保存到 track_day（`tracks` 图层）。应用自带的时钟每天早上做这件事；"
              "应用的时钟关闭时供 cron 使用。",
        "en": "Keep each worker's route of a finished day in track_day (the `tracks` layer). The in-app "
              "clock does this each morning; for cron when the app's clock is off.",
    },
    "cli.help.positions.keep.day": {
        "zh": "要保存轨迹的日期（默认：城市时间的昨天）。",
        "en": "The day whose routes to keep (default: yesterday where the city is).",
    },
    "cli.positions.dropped": {
        "zh": "已删除 {count} 个月的定位点：{months}；保留 {keep} 个月。",
        "en": "Dropped {count} month(s) of fixes: {months}; keeping {keep} month(s).",
    },
    "cli.positions.dropped_none": {
        "zh": "没有要删除的定位点；保留 {keep} 个月。",
        "en": "Dropped 0 month(s) of fixes; keeping {keep} month(s).",
    },
    "cli.positions.not_over": {
        "zh": "{day} 还没有过完；它的轨迹到午夜前还会增长。",
        "en": "{day} is not over yet; its route grows until midnight.",
    },
    "cli.positions.kept": {"zh": "已保存 {day} 的轨迹 {count} 条。", "en": "{count} route(s) of {day} kept."},
    "tracks.day_kept": {"zh": "{day}：已保存轨迹 {done}/{total} 条", "en": "{day}: {done}/{total} routes kept"},
    "tracks.month_kept": {
        "zh": "{month}：已保存 {done}/{total} 个网格员日",
        "en": "{month}: {done}/{total} worker-days kept",
    },
    "tracks.month_dropped": {
        "zh": "{month}：已删除（{days} 个网格员日已保存到 track_day）",
        "en": "{month}: dropped ({days} worker-days kept in track_day)",
    },

    # -- flask serve, serve-streams (app/cli/serve.py, proxy.py) -------------------------------------
    "cli.help.serve": {
        "zh": "生产用的服务器：公共端口上的 nginx、处理普通请求的 gunicorn、承载实时流的事件循环服务器，"
              "以及（演示用）旁边的模拟器。",
        "en": "The production servers: nginx on the public port, gunicorn for ordinary requests, the "
              "event-loop server for live streams, and (for the demo) the simulator beside them.",
    },
    "cli.help.serve.host": {"zh": "监听的地址", "en": "the address to listen on"},
    "cli.help.serve.port": {"zh": "默认：PORT 或 5000", "en": "default: PORT or 5000"},
    "cli.help.serve.workers": {
        "zh": "gunicorn 的进程数（每个 CPU 一个是不错的起点）",
        "en": "gunicorn's processes (one per CPU is a good start)",
    },
    "cli.help.serve.threads": {
        "zh": "每个 gunicorn 进程处理普通请求的线程数（实时流不占线程）",
        "en": "threads per gunicorn process, for ordinary requests (live streams take none)",
    },
    "cli.help.serve.proxy": {
        "zh": "在 gunicorn 和流服务器前面放 nginx；不用它时由流服务器处理一切",
        "en": "nginx in front of gunicorn and the stream server; without it the stream server serves everything",
    },
    "cli.help.serve.simulate": {
        "zh": "在服务器旁运行 `flask simulate`，让演示城市动起来",
        "en": "run `flask simulate` beside the server, so the demo city is alive",
    },
    "cli.help.serve_streams": {
        "zh": "事件循环服务器：由一个事件循环承载实时流（单独运行时也处理其他一切）。",
        "en": "The event-loop server: live streams held by one loop (and, alone, everything else).",
    },
    "cli.help.serve_streams.uds": {
        "zh": "监听的 Unix 套接字（nginx 转发的目标）",
        "en": "a Unix socket to listen on (what nginx forwards to)",
    },
    "cli.serve.part.gunicorn": {"zh": "gunicorn", "en": "gunicorn"},
    "cli.serve.part.streams": {"zh": "流服务器", "en": "stream server"},
    "cli.serve.part.nginx": {"zh": "nginx", "en": "nginx"},
    "cli.serve.part.simulator": {"zh": "模拟器", "en": "simulator"},
    "cli.serve.part.host": {"zh": "应用主机 :{port}", "en": "app host :{port}"},
    # flask serve-hosts (app/cli/hosts.py)
    "cli.help.serve_hosts": {
        "zh": "本机上的多个应用主机（每个都是完整的 `flask serve`）及其前面的一个 nginx，"
              "如同城市在多台机器上运行它们；以及（演示用）一个模拟器。",
        "en": "Several app hosts on this machine (each a whole `flask serve`) behind one nginx, as a "
              "city runs them on several machines; and (for the demo) one simulator.",
    },
    "cli.help.serve_hosts.hosts": {"zh": "应用主机的个数", "en": "how many app hosts"},
    "cli.help.serve_hosts.app_port": {
        "zh": "一个应用主机的端口（可重复；默认：--port 之后的 N 个端口）",
        "en": "an app host's port (repeatable; default: the N ports after --port)",
    },
    "cli.serve_hosts.ready": {
        "zh": "已就绪：前面的 nginx 在 {front}，应用主机在端口 {ports}",
        "en": "ready: nginx in front on {front}, app hosts on ports {ports}",
    },
    "cli.serve.gave_up": {
        "zh": "{name} 在 {seconds:.0f} 秒内停止了 {count} 次（退出码 {code}）；全部停止",
        "en": "{name} stopped {count} times within {seconds:.0f} s (exit {code}); stopping everything",
    },
    "cli.serve.restarting": {
        "zh": "gridmap：{name} 已停止（退出码 {code}）；正在重新启动",
        "en": "gridmap: {name} stopped (exit {code}); starting it again",
    },
    "cli.serve.died_starting": {
        "zh": "{names} 在启动时停止了；见上方的输出",
        "en": "{names} stopped while starting; see its output above",
    },
    "cli.serve.slow_start": {"zh": "{names} 未能在 {seconds} 秒内启动", "en": "{names} did not start in {seconds} s"},
    "cli.serve.no_nginx": {
        "zh": "没有安装 nginx：请 `apt-get install nginx`（以 root 运行 `make run` 时会安装），"
              "或不用它：`flask serve --no-proxy`",
        "en": "nginx is not installed: `apt-get install nginx` (what `make run` does as root), "
              "or serve without it: `flask serve --no-proxy`",
    },

    # -- refusals of the imports (services/loading/areas.py, services/incidents/categories.py and
    #    departments.py, services/planning/division.py, services/loading/synthetic.py) ----------------
    "areas.level": {"zh": "--level 取 {known}，而不是 {level}。", "en": "--level is one of {known}, not {level}."},
    "areas.no_area": {
        "zh": "要素 {number}（{code}）的轮廓没有面积。",
        "en": "Feature {number} ({code}) has an outline with no area.",
    },
    "areas.kind": {
        "zh": "{file} 不是 GeoPackage（.gpkg）、Shapefile（.shp）或 GeoJSON（.geojson）文件。",
        "en": "{file} is not a GeoPackage (.gpkg), Shapefile (.shp) or GeoJSON (.geojson).",
    },
    "areas.unreadable": {
        "zh": "{file} 无法作为 {kind} 读取（{reason}）。",
        "en": "{file} cannot be read as a {kind} ({reason}).",
    },
    "areas.no_field": {
        "zh": "{file} 中没有字段 {name}（{option}）；它的字段有：{fields}。",
        "en": "{file} has no field {name} ({option}); its fields are {fields}.",
    },
    "areas.no_fields": {
        "zh": "{file} 中没有字段 {name}（{option}）；它没有任何字段。",
        "en": "{file} has no field {name} ({option}); its fields are none.",
    },
    "areas.no_code": {
        "zh": "{file} 的要素 {number} 在字段 {field} 中没有编码。",
        "en": "Feature {number} of {file} has no code in its field {field}.",
    },
    "areas.code_long": {
        "zh": "要素 {number} 的编码 {code}… 超过 32 个字符。",
        "en": "Feature {number}'s code {code}… is longer than 32 characters.",
    },
    "areas.code_twice": {
        "zh": "编码 {code} 在 {file} 中出现了两次（要素 {first} 和 {second}）。",
        "en": "Code {code} appears twice in {file} (features {first} and {second}).",
    },
    "areas.no_geometry": {
        "zh": "{file} 的要素 {number}（{code}）没有几何图形。",
        "en": "Feature {number} ({code}) of {file} has no geometry.",
    },
    "areas.not_polygon": {
        "zh": "要素 {number}（{code}）是 {kind}，不是多边形。",
        "en": "Feature {number} ({code}) is a {kind}, not a polygon.",
    },
    "areas.empty": {"zh": "{file} 中没有任何要素。", "en": "{file} holds no features."},
    "areas.no_crs": {
        "zh": "{file} 没有说明坐标参考系：请以下列之一保存：{accepted}。",
        "en": "{file} does not say its coordinate reference system: save it with one of {accepted}.",
    },
    "areas.crs": {
        "zh": "{file} 的坐标系是 {crs}（{named}），不被接受：请转换为 {accepted}。",
        "en": "{file} is in {crs} ({named}), which is not accepted: reproject it to {accepted}.",
    },
    "areas.no_epsg": {"zh": "没有 EPSG 代码", "en": "with no EPSG code"},
    "areas.accepted_crs": {
        "zh": "EPSG:4326、4490（CGCS2000）、3857、UTM 分带（326xx、327xx）或 CGCS2000 高斯-克吕格分带（4491–4554）",
        "en": "EPSG:4326, 4490 (CGCS2000), 3857, a UTM zone (326xx, 327xx) or a CGCS2000 "
              "Gauss-Krüger zone (4491–4554)",
    },
    "areas.nul": {
        "zh": "{file} 的某个值中含有空字符（NUL）：文件已损坏，没有导入任何内容。",
        "en": "{file} has a NUL byte inside a value: the file is damaged, and nothing was imported.",
    },
    "areas.unknown_parent": {
        "zh": "{level} {code} 指明的{above} {parent} 不在数据库中。",
        "en": "The {level} {code} names {above} {parent}, which is not in the database.",
    },
    "areas.grid_no_parent": {
        "zh": "网格 {code} 在字段 {field} 中没有指明社区。",
        "en": "Grid {code} names no community in its field {field}.",
    },
    "areas.grid_outside": {
        "zh": "网格 {code} 不在任何社区内：请先导入社区（--level community），或用 --parent-field 指明每个网格的社区。",
        "en": "Grid {code} lies in no community: import the communities first (--level community), "
              "or name each grid's with --parent-field.",
    },
    "areas.other_level": {
        "zh": "编码 {code} 在数据库中是{level}，不是{wanted}。",
        "en": "Code {code} is a {level} in the database, not a {wanted}.",
    },
    "areas.moved": {"zh": "{reason}", "en": "{reason}"},
    "categories.unreadable": {"zh": "{file}:{line}：{error}", "en": "{file}:{line}: {error}"},
    "categories.visibility": {
        "zh": "{file}:{line}：visibility 取 {known}，而不是 {value}",
        "en": "{file}:{line}: visibility is one of {known}, not {value}",
    },
    "categories.limit_unit": {"zh": "{file}:{line}：{problem}", "en": "{file}:{line}: {problem}"},
    "departments.columns": {"zh": "{file}：缺少列 {missing}", "en": "{file}: missing columns {missing}"},
    "departments.needed": {
        "zh": "{file}:{line}：code、name_zh、name_en 和 kind 都必须填写",
        "en": "{file}:{line}: code, name_zh, name_en and kind are needed",
    },
    "departments.kind": {"zh": "{file}:{line}：kind 取 {known}", "en": "{file}:{line}: kind is one of {known}"},
    "departments.area": {
        "zh": "{file}:{line}：有一个区域编码不在划分中",
        "en": "{file}:{line}: an area code is not in the division",
    },
    "division.already": {
        "zh": "这个数据库已经有网格划分了。划分只能通过网格方案来改，以保留其历史。",
        "en": "This database already has a division. A division changes only through a grid plan, "
              "so that its history is kept.",
    },
    "division.no_buildings": {
        "zh": "没有可以划分的建筑：请先导入（flask import osm FILE）。",
        "en": "There are no buildings to divide: import some first (flask import osm FILE).",
    },
    "synthetic.preset": {"zh": "没有预设 {preset}；已有的：{known}", "en": "unknown preset {preset}; known: {known}"},
    "synthetic.already": {
        "zh": "这个数据库已经有网格划分了；请把合成城市生成到空数据库中（设置 DATABASE_URL）。",
        "en": "This database already has a division; generate a synthetic city into an empty database "
              "(set DATABASE_URL).",
    },
}
