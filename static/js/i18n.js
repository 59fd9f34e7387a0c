// UI strings, one catalogue per language. Default from the browser; the choice is remembered.
const catalogues = {
  zh: {
    title: 'Gridmap 网格地图', switch_language: 'English',
    dept_title: 'Gridmap 部门案件', dept_map: '地图', dept_open: '待办', dept_overdue: '超时', dept_all: '全部',
    dept_search: '编号、地址、描述', dept_export: '导出 CSV', dept_none: '没有案件', dept_late: '已超时',
    dept_role_lead: '牵头', dept_role_helper: '协办', dept_photo: '现场照片', dept_tasks: '承办单位',
    dept_task_open: '待受理', dept_task_accepted: '办理中', dept_task_done: '已完成', dept_task_transferred: '已转派',
    dept_task_returned: '已退回', dept_task_ended: '已结束', dept_choose: '请选择', dept_to: '转派给',
    dept_reason: '退回原因', dept_reason_not_ours: '不属本单位职责', dept_reason_wrong_place: '位置有误', dept_reason_duplicate: '重复件',
    dept_note: '说明（可不填）', dept_note_needed: '说明（必填）', dept_need_department: '请选择接收部门',
    dept_need_reason: '请选择退回原因', dept_need_note: '请写明原因', dept_done: '已{step}：{code}',
    action_transfer: '转派', action_return: '退回重派', action_assist: '协办受理', action_assisted: '协办完成',
    did_transfer: '转派', did_return: '退回了', did_assist: '协办受理', did_assisted: '完成协办',
    departments_queue: '部门待办', returned_list: '部门退回待重派', dept_queue: '待办 {n}', dept_queue_late: '超时 {n}', returned_tag: '退回',
    departments_on_it: '承办部门', by_routing: '按分流规则', or_department: '或派给部门', transfer_to: '转派给…',
    streets: '街道', communities: '社区', grids: '网格', buildings: '楼栋', roads: '道路',
    cameras: '视频监控', legend: '图例', households: '户数', population: '人口',
    address: '地址', grid: '所属网格', community: '所属社区', code: '编码', kind: '类型',
    levels: '层数', loading: '加载中…', load_failed: '图层加载失败',
    comprehensive: '综合网格', special: '专属网格', logout: '退出登录',
    role_admin: '管理员', role_operator: '指挥中心值班员', role_planner: '规划员',
    role_reviewer: '审核员', role_filer: '备案员', role_worker: '网格员', role_viewer: '访客',
    wall_title: '指挥大屏', connecting: '连接中…', live: '实时', lost: '连接中断，重连中…',
    today: '今日', reported_today: '今日上报', open_now: '处置中', overdue_now: '超时', closed_today: '今日办结',
    area: '区域',
    live_events: '实时事件', overdue_list: '超时事件', grid_ranking: '网格排名',
    incidents: '事件', workers: '网格员位置', worker_live: '在线', worker_stale: '位置过期',
    load: '网格（按待办事件）', coverage: '视频覆盖范围', has_overdue: '有超时',
    status_reported: '已上报', status_assigned: '已派遣', status_accepted: '已受理', status_in_progress: '处置中',
    status_resolved: '已办结待核查', status_closed: '已结案', status_rejected: '已退回', status_reopened: '已重办',
    status_escalated: '已上报上级',
    action_report: '上报', action_assign: '派遣', action_accept: '受理', action_start: '开始处置',
    action_resolve: '办结', action_verify: '核查结案', action_reopen: '重办', action_reject: '退回',
    action_escalate: '上报上级', action_merge: '合并', action_comment: '备注', action_rate: '评价', action_overdue: '超时',
    action_publish: '公开', action_withdraw: '撤回公开',
    category: '类别', status: '状态', assignee: '处置人', level: '层级', severity: '紧急程度',
    reported_at: '上报时间', respond_by: '响应时限', resolve_by: '办结时限', left: '剩余', late_by: '已超时',
    due_at: '{date} {time}',
    history: '处置过程', duplicates: '疑似重复', nearest_workers: '附近网格员（直线）', no_positions: '暂无网格员位置', note: '说明', submit: '提交', done: '已提交',
    level_grid: '网格', level_community: '社区', level_street: '街道', close: '关闭',
    stars: '星级', on_time: '按时率', none: '无', out_of_grid: '脱岗提醒', route_today: '今日轨迹（点网格员）', nearest_by_road: '最近的网格员（沿道路）', by_road: '沿路', straight: '直线', outside_for: '离开网格', base_layers: '底图',
    my_positions: '我的位置轨迹', blind_spots: '监控盲区（道路）', camera: '摄像机', camera_bearing: '朝向', camera_fov: '视角', camera_range_m: '距离', camera_status: '状态', camera_seen: '可见面积', camera_kind_fixed: '枪机', camera_kind_ptz: '云台', camera_kind_dome: '球机', camera_status_online: '在线', camera_status_offline: '离线', camera_status_maintenance: '维护中', estimated: '估计值', bearing_from_wall: '据所在墙面推算', bearing_from_road: '据所看道路推算', bearing_from_dome: '无方向可依，按球机计', bearing_from_operator: '人工设定', save: '保存', remove: '删除', chief_segments: '街长路段', street_chief: '街长', playback: '轨迹回放', play: '播放', pause: '暂停', stop_mark: '停留点', speed: '倍速',
    where_unknown: '位置未知', inside_grid: '在本网格内', outside_grid: '不在本网格内', locating: '定位中…',
    my_tasks: '我的任务', report_incident: '上报事件', search_address: '查地址', no_tasks: '暂无任务',
    description: '描述', severity_low: '低', severity_normal: '一般', severity_high: '高', severity_critical: '紧急',
    report_point: '位置', tap_or_locate: '点地图或使用我的位置', use_my_location: '使用我的位置', send_report: '上报',
    search_placeholder: '输入地址或楼栋', queued: '待发送', sent: '已发送', failed: '未成功',
    action_request_help: '请求支援', photo: '照片', need_point: '请先选择位置', need_description: '请填写描述',
    accept: '受理', start: '开始处置', resolve: '完成处置', request_help: '请求支援', due_in: '剩余', overdue_by: '已超时',
    street_result: '道路', colon: '：', lang_short: 'EN', logout_short: '退出',
    logout_offline: '离线时无法退出登录，请联网后再试', logout_patrol: '请先结束巡查再退出登录',
    taken_while_offline: '离线期间此任务已改派或变更，这一步没有执行', your_note: '你写的说明',
    respond_limit: '响应', resolve_limit: '处置', near_mark: '（附近）', resolved_wait_check: '已处置，等待核查', help_requested: '已请求支援，等待上级处理',
    signed_out: '登录已过期：点此重新登录，待发送的内容会保留', legend: '图例', zoom_in: '放大', zoom_out: '缩小',
    photos: '现场照片', patrol: '巡查', refresh: '刷新', allow_notifications: '开启提醒', pull_to_refresh: '松开刷新', add_photo: '拍照',
    patrol_distance: '巡查里程', patrol_time: '巡查时长', patrol_start: '开始巡查', patrol_stop: '结束巡查', patrol_done: '巡查结束',
    patrol_started: '巡查中：轨迹随行走记录，没有网络也会保存', patrol_route: '巡查轨迹',
    new_task: '新任务', new_comment: '指挥中心留言', new_mark: '新', reply: '回复', reply_placeholder: '回复指挥中心…',
    send: '发送', cancel: '取消', need_note: '请填写说明', me_said: '我', center_said: '指挥中心',
    taken_reassigned: '已改派给其他人', taken_escalated: '已升级至上级处理', taken_merged: '已与同一问题的事件合并',
    taken_rejected: '已被退回', taken_resolved: '已由指挥中心办结', taken_closed: '已办结', taken_other: '已不在我的任务中',
    metres: '米', kilometres: '公里', locate_me: '回到我的位置', to_my_grid: '距我的网格', near: '附近',
    finding_address: '正在查找地址…', remove_photo: '删除照片', live_on: '实时', offline_list: '离线：显示的是上次的任务',
    no_results: '没有找到', search_offline: '离线时无法查地址',
    offline: '离线', my_grid: '我的网格', other_grids: '相邻网格', me: '我的位置', report_mark: '上报位置', waiting_to_send: '条待发送', no_geolocation: '无法获取位置',
    planner_title: '网格规划', plan: '方案', new_plan: '新建方案', propose_division: '按户数自动建议划分',
    plan_draft: '草稿', plan_submitted: '已提交审核', plan_approved: '审核通过', plan_rejected: '已退回', plan_filed: '已备案',
    tool_split: '拆分网格', tool_merge: '合并网格', tool_move: '调整共同边界', tool_handover: '楼栋划给邻格',
    tool_edit: '编辑边界', tool_draw: '新画网格', tool_delete: '删除网格',
    hint_split: '点选一个网格，再画一条穿过它的线（双击结束）', hint_merge: '点选两个或以上相邻网格，再点“合并所选”',
    hint_move: '点选两个相邻网格，再画出新的共同边界（双击结束）', hint_handover: '先点选接收的网格，再点要划过去的楼栋',
    hint_edit: '拖动顶点修改边界，松开即保存', hint_draw: '画出新网格（点回起点结束）', hint_delete: '点选要删除的网格，再点“删除所选”',
    problems: '问题', blocking: '必须解决', no_problems: '没有问题', grid_households: '各网格户数', worker: '网格员',
    households_short: '户', diff: '与现行网格对比', printable_map: '打印地图', export_gpkg: '导出 GeoPackage',
    plan_history: '方案记录', division_on_date: '历史划分（按日期）', saved: '已保存', current_division: '现行网格划分',
    step_created: '新建', step_proposed: '生成建议方案', step_imported: '导入', step_submit: '提交审核', step_withdraw: '撤回',
    step_approve: '审核通过', step_reject: '退回', step_file: '备案',
    done_submit: '已提交审核', done_withdraw: '已撤回', done_approve: '已审核通过', done_reject: '已退回', done_file: '已备案', effective_from: '生效时间',
    diff_added: '新增网格', diff_removed: '撤销网格', diff_changed: '变更网格', diff_unchanged: '未变网格',
    diff_buildings: '改变所属网格的楼栋', diff_new_line: '新边界', diff_old_line: '原边界', households_out: '户数超出标准',
    selected: '已选中', problem_blocking: '必须解决的问题', problem_warning: '提醒',
    undo: '撤销', redo: '重做', undo_what: '撤销：{what}（Ctrl+Z）', redo_what: '重做：{what}（Ctrl+Shift+Z）',
    nothing_to_undo: '没有可撤销的修改', nothing_to_redo: '没有可重做的修改', undone_what: '已撤销：{what}', redone_what: '已重做：{what}',
    undone: '已撤销', step_edit: '修改', step_undo: '撤销', step_redo: '重做',
    edit_split: '拆分网格', edit_merge: '合并网格', edit_move_boundary: '调整共同边界', edit_hand_over: '楼栋划给邻格',
    edit_create: '新画网格', edit_replace: '替换网格', edit_patch: '修改网格', edit_delete: '删除网格',
    edit_name: '命名并指定网格员', edit_merge_into_neighbour: '并入邻格',
    kind_invalid: '边界无效', kind_gap: '空隙（不属于任何网格）', kind_overlap: '网格重叠', kind_edge: '边界未严丝合缝',
    kind_sliver: '碎片', kind_outside: '超出社区', kind_no_community: '不属于任何社区', kind_cut_building: '楼栋被网格线切开',
    kind_households: '户数超出标准', kind_strip: '狭长网格', on_ground: '网格线 {share} 沿道路、铁路或河流', kind_no_worker: '缺专职网格员', kind_worker_many_grids: '一人负责多个网格',
    problem_count: '{n}（必须解决 {blocking}）', show_on_map: '在地图上显示',
    fix_merge: '并入邻格', fix_merge_title: '并入共用边界最长的相邻网格（可撤销）',
    grid_form_new: '新网格 {code}：请命名并指定专职网格员', grid_form: '网格 {code}：名称与专职网格员',
    name_zh: '中文名称', name_en: '英文名称', full_time_worker: '专职网格员', new_worker_name: '新网格员姓名',
    worker_none: '（不设网格员）', worker_choose: '— 选择网格员 —', worker_new: '新网格员（输入姓名）…',
    worker_now_at: '现负责 {code}', worker_free: '暂无网格',
    selected_n: '已选 {n} 个网格：{codes}', merge_selected: '合并所选', delete_selected: '删除所选', clear_selection: '取消选择',
    plan_not_found: '没有您可查看的方案 {id}，显示的是现行网格划分',
    // the wall (驾驶舱)
    action_merged_in: '并入重复上报', did_merged_in: '并入重复上报到', urgent_title: '紧急事件，请查看',
    minutes_ago: '{n}分钟前', search_cases: '查事件：编号、地址、描述', search_result: '查找“{q}”',
    month_report: '考核报告', get_pdf: '下载PDF', whole_area: '全域', late_hm: '{h}小时{m}分', late_m: '{m}分{s}秒',
    overdue_for: '已超时', severity_tag: '紧急', cluster_legend: '圆内数字：事件数（红色含超时）', others_n: '其他{n}类',
    to_name: '→ {name}', heat_count: '{from}–{to} 件', stay_minutes: '停留{n}分钟',
    period_today: '今日', period_7d: '近7天', period_30d: '近30天', period_month: '本月',
    alarm_on: '警报声：开', alarm_off: '警报声：关', assessment_pdf: '月度考核报告',
    chart_by_hour: '今日分时', chart_by_day: '近30天', chart_by_category: '按类别', chart_by_channel: '按渠道',
    chart_open_by_status: '在办状态', chart_by_area: '街道社区对比',
    series_today: '今日', series_yesterday: '昨日', series_last_week: '上周同日', series_reported: '上报',
    series_closed: '办结', series_open: '在办', series_overdue: '超时', series_on_time: '按时率', series_late: '超时',
    channel_worker: '网格员', channel_citizen: '群众', channel_camera: '视频', channel_hotline: '热线',
    channel_open311: '开放接口', channel_system: '系统',
    triage_queue: '群众上报待受理', more_n: '另有 {n} 条', n_incidents: '共 {n} 件', hour_n: '{n}时',
    heat: '热力图', heat_all: '全部类别', heat_cell: '此处 {n} 件',
    actor_system: '系统', actor_desk: '调度台', actor_resident: '群众', actor_account: '账号',
    did_report: '上报了', did_assign: '派遣', did_accept: '受理了', did_start: '开始处置', did_resolve: '办结了',
    did_verify: '核查结案', did_reopen: '要求重办', did_reject: '退回了', did_escalate: '上报上级', did_merge: '合并了',
    did_comment: '备注了', did_rate: '评价了', did_overdue: '标记超时', did_publish: '公开了', did_withdraw: '撤回公开',
    to_whom: '给', channel: '渠道', reporter: '上报人', contact: '联系方式', public_note: '公开说明',
    photo_step_report: '上报时', photo_step_resolve: '办结时', photo_step_other: '处置中',
    search_worker: '输入姓名或编号搜索网格员', outside_community: '不在本社区', choose_worker: '请先选择网格员',
    dispatch_to: '派给', or_level: '或转到层级', escalated_to: '已上报{level}', ever_escalated: '已上报{n}次',
    grid_name: '网格', rank_incidents: '{n}件', rank_satisfaction: '满意度 {s}（{n} 评）',
    load_quantile: '网格（今日事件，按分位数）', load_none: '今日无事件', load_range: '{from}–{to} 件', load_from: '{from} 件以上',
    cameras_none: '本城尚未登记摄像机',
    // the residents' pages (/report, /r/<token>, /public)
    pub_brand: '网格地图', pub_nav_report: '我要反映', pub_nav_public: '公开案件', pub_switch: 'EN',
    pub_report_title: '反映问题 · 网格地图', pub_report_heading: '反映问题',
    pub_promise: '2 小时内响应，24 小时内办结，复杂问题 72 小时；解决不了的，必须说明原因。',
    pub_step_where: '1. 在哪里', pub_step_what: '2. 什么问题', pub_step_contact: '3. 如何告知您（可不填）',
    pub_address_placeholder: '输入地址或楼名', pub_tap_map: '在地图上点选位置，或输入地址后从列表中选择',
    pub_locate: '使用我的位置', pub_locating: '正在定位…', pub_no_location: '无法获取您的位置，请在地图上点选',
    pub_finding: '正在查找地址…', pub_near: '附近', pub_no_address: '没有找到，请换个写法或在地图上点选',
    pub_category: '类别', pub_choose: '请选择', pub_category_promise: '此类问题 {respond}内响应，{resolve}内办结',
    pub_description: '描述', pub_description_placeholder: '发生了什么？具体在哪儿（如几单元门口）？',
    pub_add_photos: '添加照片（最多 3 张）', pub_remove_photo: '删除照片', pub_photo: '照片',
    pub_phone: '手机号码', pub_email: '电子邮箱',
    pub_consent: '我同意保存上面的联系方式，仅用于告知本案的处理进展（受理、办结、结案）；不公开，不作他用。',
    pub_send: '提交', pub_sending: '正在提交…', pub_need_place: '请先在地图上点选位置，或输入地址',
    pub_need_category: '请选择类别', pub_need_description: '请描述问题', pub_need_consent: '留下联系方式须勾选同意',
    pub_offline: '网络不通，请稍后再试；已填写的内容会保留', pub_received: '已收到您的反映', pub_code: '编号',
    pub_keep_link: '请保存这个查询链接：凭它查看进展，办结后评价。链接只给您本人，请勿转发。',
    pub_copy: '复制链接', pub_copied: '已复制', pub_open_link: '查看进展', pub_another: '再反映一个问题',
    pub_my_reports: '我在本机反映过的问题',
    pub_follow_title: '我的反映 · 网格地图', pub_next: '下一步', pub_note: '处理说明',
    pub_reported_at: '反映时间', pub_respond_by: '应响应', pub_resolve_by: '应办结', pub_responded_at: '响应时间',
    pub_resolved_at: '处理时间', pub_closed_at: '办结时间', pub_steps: '进展', pub_promise_line: '承诺：{respond}内响应，{resolve}内办结',
    pub_step_received: '已收到', pub_step_assigned: '已派单', pub_step_accepted: '已受理', pub_step_started: '开始处置',
    pub_step_resolved: '已处理', pub_step_closed: '已办结', pub_step_merged: '已合并', pub_step_rejected: '不予受理',
    pub_step_reopened: '重新办理', pub_step_escalated: '上报上级督办', pub_step_rated: '已评价',
    pub_mine: '您反映的内容', pub_contact_line: '我们会通过 {contact} 告知进展',
    pub_no_contact: '您没有留下联系方式：请用本链接查看进展', pub_public_yes: '本案在“公开案件”中展示（不含您的描述和联系方式）',
    pub_rate_title: '评价处理结果', pub_star_1: '很不满意', pub_star_2: '不满意', pub_star_3: '一般', pub_star_4: '满意', pub_star_5: '很满意',
    pub_comment: '说明（可不填）', pub_comment_needed: '说明（必填：哪里还没解决）', pub_not_solved: '问题没有解决，请重新办理',
    pub_need_stars: '请选择星级', pub_send_rating: '提交评价', pub_your_rating: '您的评价',
    pub_load_failed: '加载失败，请刷新页面', pub_public_title: '公开案件 · 网格地图', pub_public_heading: '公开案件',
    pub_all_categories: '全部类别', pub_all_statuses: '全部状态', pub_open: '处理中', pub_closed: '已结束',
    pub_count: '近 90 天 {n} 件', pub_more: '再显示 {n} 件（还有 {left} 件）', pub_none: '没有符合条件的案件', pub_restricted: '不公开具体位置和内容',
    pub_in_charge: '负责', pub_expected: '预计办结', pub_public_about: '这里只公开问题类别、大致位置（约 100 米）、状态和处理说明；不公开反映人的描述和联系方式。',
    pub_nav_mine: '我的反映', pub_outside_city: '这里不在本市服务范围内，请在地图上的城区范围内点选',
    pub_zoom_closer: '已放大：请在地图上点选问题的准确位置', pub_area_chosen: '已移到{name}：请在地图上点选问题的准确位置',
    pub_need_spot: '请在地图上点选问题的准确位置', pub_kind_community: '社区', pub_kind_street: '街道', pub_kind_place: '地名',
    pub_chars_left: '还可输入 {n} 字', pub_chars_over: '超出 {n} 字，请删减', pub_too_long: '描述最多 {most} 字，现在多了 {n} 字，请删减后再提交',
    pub_told_sms: '受理、办结和结案时，我们会发短信告诉您。', pub_told_email: '受理、办结和结案时，我们会发邮件告诉您。',
    pub_told_both: '受理、办结和结案时，我们会发短信和邮件告诉您。',
    pub_mine_about: '在这部手机上反映过的问题（最近 10 个），点编号查看进展。', pub_mine_none: '这部手机上还没有反映记录。',
    pub_gone: '该查询链接无效或已过期。', pub_gone_report: '我要反映问题',
    pub_gone_help: '请在您反映问题时用的那部手机上打开“我的反映”，找到这个案件；找不到的话，可以重新反映。',
  },
  en: {
    title: 'Gridmap', switch_language: '中文',
    dept_title: 'Gridmap · department cases', dept_map: 'Map', dept_open: 'To do', dept_overdue: 'Overdue', dept_all: 'All',
    dept_search: 'Code, address, words', dept_export: 'Export CSV', dept_none: 'No cases', dept_late: 'Overdue',
    dept_role_lead: 'Lead', dept_role_helper: 'Helping', dept_photo: 'Photo from the scene', dept_tasks: 'Departments on it',
    dept_task_open: 'not yet taken on', dept_task_accepted: 'being handled', dept_task_done: 'done', dept_task_transferred: 'transferred',
    dept_task_returned: 'returned', dept_task_ended: 'ended', dept_choose: 'Choose…', dept_to: 'Transfer to',
    dept_reason: 'Why it goes back', dept_reason_not_ours: 'Not ours', dept_reason_wrong_place: 'Wrong place', dept_reason_duplicate: 'Duplicate',
    dept_note: 'Note (optional)', dept_note_needed: 'Note (needed)', dept_need_department: 'Choose the department it goes to',
    dept_need_reason: 'Choose why it goes back', dept_need_note: 'Say why', dept_done: '{step}: {code}',
    action_transfer: 'Transferred', action_return: 'Returned', action_assist: 'Helping', action_assisted: 'Helper done',
    did_transfer: 'transferred', did_return: 'returned', did_assist: 'took on helping with', did_assisted: 'finished helping with',
    departments_queue: 'Departments', returned_list: 'Returned by departments', dept_queue: '{n} open', dept_queue_late: '{n} overdue', returned_tag: 'returned',
    departments_on_it: 'Departments', by_routing: 'As the routing rules say', or_department: 'or a department', transfer_to: 'Transfer to…',
    streets: 'Streets', communities: 'Communities', grids: 'Grids', buildings: 'Buildings',
    roads: 'Roads', cameras: 'Cameras', legend: 'Legend', households: 'Households',
    population: 'Residents', address: 'Address', grid: 'Grid', community: 'Community',
    code: 'Code', kind: 'Kind', levels: 'Levels', loading: 'Loading…',
    load_failed: 'Layer failed to load', comprehensive: 'Comprehensive grid',
    special: 'Special grid', logout: 'Log out',
    role_admin: 'Administrator', role_operator: 'Operator', role_planner: 'Planner',
    role_reviewer: 'Reviewer', role_filer: 'Filer', role_worker: 'Grid worker', role_viewer: 'Viewer',
    wall_title: 'Command center', connecting: 'Connecting…', live: 'Live', lost: 'Connection lost, reconnecting…',
    today: 'Today', reported_today: 'Reported today', open_now: 'Open', overdue_now: 'Overdue', closed_today: 'Closed today',
    area: 'Area',
    live_events: 'Live events', overdue_list: 'Overdue', grid_ranking: 'Grid ranking',
    incidents: 'Incidents', workers: 'Grid workers', worker_live: 'Live', worker_stale: 'Position stale',
    load: 'Grids by open incidents', coverage: 'Camera coverage', has_overdue: 'Has overdue',
    status_reported: 'Reported', status_assigned: 'Assigned', status_accepted: 'Accepted', status_in_progress: 'In progress',
    status_resolved: 'Resolved, to verify', status_closed: 'Closed', status_rejected: 'Rejected', status_reopened: 'Reopened',
    status_escalated: 'Escalated',
    action_report: 'Reported', action_assign: 'Assigned', action_accept: 'Accepted', action_start: 'Started',
    action_resolve: 'Resolved', action_verify: 'Verified and closed', action_reopen: 'Reopened', action_reject: 'Rejected',
    action_escalate: 'Escalated', action_merge: 'Merged', action_comment: 'Comment', action_rate: 'Rated', action_overdue: 'Overdue',
    action_publish: 'Published', action_withdraw: 'Withdrawn from public view',
    category: 'Category', status: 'Status', assignee: 'Assignee', level: 'Level', severity: 'Severity',
    reported_at: 'Reported', respond_by: 'Respond by', resolve_by: 'Resolve by', left: 'left', late_by: 'late by',
    due_at: '{time} on {date}',
    history: 'History', duplicates: 'Possible duplicates', nearest_workers: 'Nearest workers (straight line)', no_positions: 'No worker positions yet', note: 'Note', submit: 'Submit', done: 'Done',
    level_grid: 'Grid', level_community: 'Community', level_street: 'Street', close: 'Close',
    stars: 'Stars', on_time: 'On time', none: 'none', out_of_grid: 'Out of grid', route_today: 'Route today (click a worker)', nearest_by_road: 'Nearest workers (along roads)', by_road: 'by road', straight: 'straight', outside_for: 'outside for', base_layers: 'Base layers',
    my_positions: 'My positions', blind_spots: 'Blind spots (roads)', camera: 'Camera', camera_bearing: 'Bearing', camera_fov: 'Field of view', camera_range_m: 'Range', camera_status: 'Status', camera_seen: 'sees', camera_kind_fixed: 'Fixed', camera_kind_ptz: 'PTZ', camera_kind_dome: 'Dome', camera_status_online: 'Online', camera_status_offline: 'Offline', camera_status_maintenance: 'Maintenance', estimated: 'estimated', bearing_from_wall: 'from the wall it is on', bearing_from_road: 'from the road it watches', bearing_from_dome: 'nothing to go by: taken as a dome', bearing_from_operator: 'set by an operator', save: 'Save', remove: 'Remove', chief_segments: 'Street-chief segments', street_chief: 'Street chief', playback: 'Route playback', play: 'Play', pause: 'Pause', stop_mark: 'Stop', speed: 'Speed',
    where_unknown: 'Location unknown', inside_grid: 'Inside my grid', outside_grid: 'Outside my grid', locating: 'Locating…',
    my_tasks: 'My tasks', report_incident: 'Report', search_address: 'Find address', no_tasks: 'No tasks',
    description: 'Description', severity_low: 'Low', severity_normal: 'Normal', severity_high: 'High', severity_critical: 'Critical',
    report_point: 'Place', tap_or_locate: 'tap the map or use my location', use_my_location: 'Use my location', send_report: 'Send report',
    search_placeholder: 'Address or building', queued: 'Waiting to send', sent: 'Sent', failed: 'Not accepted',
    action_request_help: 'Request help', photo: 'Photo', need_point: 'Choose a place first', need_description: 'Describe the problem',
    accept: 'Accept', start: 'Start', resolve: 'Resolve', request_help: 'Request help', due_in: 'due in', overdue_by: 'overdue by',
    street_result: 'Road', colon: ': ', lang_short: '中文', logout_short: 'Log out',
    logout_offline: 'Signing out needs the network; try again when online', logout_patrol: 'Stop the patrol before signing out',
    taken_while_offline: 'the task was reassigned or changed while you were offline; this step was not taken', your_note: 'your note',
    respond_limit: 'respond', resolve_limit: 'resolve', near_mark: '(nearby)', resolved_wait_check: 'resolved, waiting to be checked', help_requested: 'help requested from the level above',
    signed_out: 'Signed out: tap here to sign in again; what waits to be sent is kept', legend: 'Legend', zoom_in: 'Zoom in', zoom_out: 'Zoom out',
    photos: 'Photos', patrol: 'Patrol', refresh: 'Refresh', allow_notifications: 'Allow alerts', pull_to_refresh: 'Release to refresh', add_photo: 'Take photo',
    patrol_distance: 'Distance', patrol_time: 'Time', patrol_start: 'Start patrol', patrol_stop: 'Stop patrol', patrol_done: 'Patrol finished',
    patrol_started: 'Patrolling: the route is kept as you walk, even without network', patrol_route: 'Patrol route',
    new_task: 'New task', new_comment: 'Message from the command center', new_mark: 'New', reply: 'Reply', reply_placeholder: 'Reply to the command center…',
    send: 'Send', cancel: 'Cancel', need_note: 'Write a note first', me_said: 'Me', center_said: 'Command center',
    taken_reassigned: 'reassigned to someone else', taken_escalated: 'escalated to the level above', taken_merged: 'merged with a report of the same problem',
    taken_rejected: 'rejected', taken_resolved: 'resolved by the command center', taken_closed: 'closed', taken_other: 'no longer among my tasks',
    metres: 'm', kilometres: 'km', locate_me: 'Back to where I am', to_my_grid: 'To my grid', near: 'nearby',
    finding_address: 'Finding the address…', remove_photo: 'Remove photo', live_on: 'Live', offline_list: 'Offline: showing the tasks read last time',
    no_results: 'Nothing found', search_offline: 'Address search needs the network',
    offline: 'Offline', my_grid: 'My grid', other_grids: 'Neighbouring grids', me: 'Me', report_mark: 'Report here', waiting_to_send: 'waiting to send', no_geolocation: 'Location unavailable',
    planner_title: 'Grid planning', plan: 'Plan', new_plan: 'New plan', propose_division: 'Propose a division by households',
    plan_draft: 'draft', plan_submitted: 'submitted for review', plan_approved: 'approved', plan_rejected: 'rejected', plan_filed: 'filed',
    tool_split: 'Split a grid', tool_merge: 'Merge grids', tool_move: 'Move a shared boundary', tool_handover: 'Hand a building over',
    tool_edit: 'Edit outline', tool_draw: 'Draw a grid', tool_delete: 'Delete grids',
    hint_split: 'Click a grid, then draw a line across it (double-click to finish)', hint_merge: 'Click two or more neighbouring grids, then "Merge these"',
    hint_move: 'Click two neighbouring grids, then draw their new shared boundary (double-click to finish)', hint_handover: 'Click the grid that takes it, then the building',
    hint_edit: 'Drag vertices; each change is saved', hint_draw: 'Draw the new grid (click the first vertex to finish)', hint_delete: 'Click the grids to delete, then "Delete these"',
    problems: 'Problems', blocking: 'blocking', no_problems: 'No problems', grid_households: 'Households per grid', worker: 'Worker',
    households_short: 'households', diff: 'Compare with the current grids', printable_map: 'Printable map', export_gpkg: 'Export GeoPackage',
    plan_history: 'Plan record', division_on_date: 'Division on a date', saved: 'Saved', current_division: 'Current division',
    step_created: 'created', step_proposed: 'proposed', step_imported: 'imported', step_submit: 'Submit for review', step_withdraw: 'Withdraw',
    step_approve: 'Approve', step_reject: 'Reject', step_file: 'File',
    done_submit: 'Submitted for review', done_withdraw: 'Withdrawn', done_approve: 'Approved', done_reject: 'Sent back', done_file: 'Filed', effective_from: 'In force from',
    diff_added: 'Grids added', diff_removed: 'Grids removed', diff_changed: 'Grids changed', diff_unchanged: 'Grids unchanged',
    diff_buildings: 'Buildings changing grid', diff_new_line: 'New boundary', diff_old_line: 'Old boundary', households_out: 'Households outside the standard',
    selected: 'Selected', problem_blocking: 'Blocking problem', problem_warning: 'Warning',
    undo: 'Undo', redo: 'Redo', undo_what: 'Undo: {what} (Ctrl+Z)', redo_what: 'Redo: {what} (Ctrl+Shift+Z)',
    nothing_to_undo: 'Nothing to undo', nothing_to_redo: 'Nothing to redo', undone_what: 'Undone: {what}', redone_what: 'Redone: {what}',
    undone: 'undone', step_edit: 'Edit', step_undo: 'Undo:', step_redo: 'Redo:',
    edit_split: 'Split', edit_merge: 'Merge', edit_move_boundary: 'Boundary moved', edit_hand_over: 'Building handed over',
    edit_create: 'Grid drawn', edit_replace: 'Grid replaced', edit_patch: 'Grid changed', edit_delete: 'Grid deleted',
    edit_name: 'Names and worker', edit_merge_into_neighbour: 'Merged into neighbour',
    kind_invalid: 'Invalid outlines', kind_gap: 'Gaps (in no grid)', kind_overlap: 'Overlaps', kind_edge: 'Edges that do not meet',
    kind_sliver: 'Slivers', kind_outside: 'Outside the community', kind_no_community: 'In no community', kind_cut_building: 'Buildings cut by a grid line',
    kind_households: 'Households outside the standard', kind_strip: 'Long strips', on_ground: '{share} of the grid lines follow a road, railway or river', kind_no_worker: 'No full-time worker', kind_worker_many_grids: 'A worker with several grids',
    problem_count: '{n} ({blocking} blocking)', show_on_map: 'Show on the map',
    fix_merge: 'Merge into neighbour', fix_merge_title: 'Merge it into the neighbouring grid it shares the longest boundary with (can be undone)',
    grid_form_new: 'New grid {code}: name it and give it its full-time worker', grid_form: 'Grid {code}: names and full-time worker',
    name_zh: 'Name (Chinese)', name_en: 'Name (English)', full_time_worker: 'Full-time worker', new_worker_name: 'New worker\'s name',
    worker_none: '(no worker)', worker_choose: '— choose a worker —', worker_new: 'New worker (type the name)…',
    worker_now_at: 'now at {code}', worker_free: 'no grid now',
    selected_n: '{n} selected: {codes}', merge_selected: 'Merge these', delete_selected: 'Delete these', clear_selection: 'Clear selection',
    plan_not_found: 'There is no plan {id} you may see; this is the current division',
    // the wall
    action_merged_in: 'duplicate merged in', did_merged_in: 'merged a duplicate into', urgent_title: 'Urgent, please look',
    minutes_ago: '{n} min ago', search_cases: 'Find a case: code, address, words', search_result: 'Found for “{q}”',
    month_report: 'Assessment', get_pdf: 'PDF', whole_area: 'Whole area', late_hm: '{h} h {m} min', late_m: '{m} min {s} s',
    overdue_for: 'Overdue for', severity_tag: 'urgent', cluster_legend: 'Number in a circle: incidents (red: one is overdue)', others_n: '{n} other categories',
    to_name: '→ {name}', heat_count: '{from}–{to}', stay_minutes: '{n} min stop',
    period_today: 'Today', period_7d: '7 days', period_30d: '30 days', period_month: 'This month',
    alarm_on: 'Alarm: on', alarm_off: 'Alarm: off', assessment_pdf: 'Monthly assessment (PDF)',
    chart_by_hour: 'Today by hour', chart_by_day: 'Last 30 days', chart_by_category: 'By category', chart_by_channel: 'By channel',
    chart_open_by_status: 'Open by status', chart_by_area: 'Streets and communities',
    series_today: 'Today', series_yesterday: 'Yesterday', series_last_week: 'Same day last week', series_reported: 'Reported',
    series_closed: 'Closed', series_open: 'Open', series_overdue: 'Overdue', series_on_time: 'On time', series_late: 'Late',
    channel_worker: 'Grid worker', channel_citizen: 'Resident', channel_camera: 'Camera', channel_hotline: 'Hotline',
    channel_open311: 'Open311', channel_system: 'System',
    triage_queue: 'Residents\' reports to accept', more_n: '{n} more', n_incidents: '{n} incidents', hour_n: '{n}:00',
    heat: 'Heat map', heat_all: 'All categories', heat_cell: '{n} incidents here',
    actor_system: 'System', actor_desk: 'Dispatch desk', actor_resident: 'Resident', actor_account: 'An account',
    did_report: 'reported', did_assign: 'dispatched', did_accept: 'accepted', did_start: 'started', did_resolve: 'resolved',
    did_verify: 'verified and closed', did_reopen: 'reopened', did_reject: 'rejected', did_escalate: 'escalated', did_merge: 'merged',
    did_comment: 'commented on', did_rate: 'rated', did_overdue: 'marked overdue', did_publish: 'published', did_withdraw: 'withdrew',
    to_whom: 'to', channel: 'Channel', reporter: 'Reported by', contact: 'Contact', public_note: 'Public note',
    photo_step_report: 'At report', photo_step_resolve: 'At resolve', photo_step_other: 'While handling',
    search_worker: 'Search a worker by name or code', outside_community: 'outside the community', choose_worker: 'Choose a worker first',
    dispatch_to: 'Dispatch to', or_level: 'or send to level', escalated_to: 'escalated to {level}', ever_escalated: 'escalated {n}×',
    grid_name: 'Grid', rank_incidents: '{n}', rank_satisfaction: 'satisfaction {s} ({n} rated)',
    load_quantile: 'Grids (today\'s incidents, by quantile)', load_none: 'None today', load_range: '{from}–{to}', load_from: '{from} or more',
    cameras_none: 'No cameras registered in this city',
    // the residents' pages (/report, /r/<token>, /public)
    pub_brand: 'Gridmap', pub_nav_report: 'Report', pub_nav_public: 'Public cases', pub_switch: '中文',
    pub_report_title: 'Report a problem · Gridmap', pub_report_heading: 'Report a problem',
    pub_promise: 'An answer within 2 hours, solved within 24 (72 for hard cases); what cannot be solved, we say why.',
    pub_step_where: '1. Where', pub_step_what: '2. What', pub_step_contact: '3. How to tell you (optional)',
    pub_address_placeholder: 'Type an address or a building\'s name', pub_tap_map: 'Tap the place on the map, or type an address and pick it',
    pub_locate: 'Use my location', pub_locating: 'Finding you…', pub_no_location: 'Your location is not available; tap the map',
    pub_finding: 'Looking up the address…', pub_near: 'near', pub_no_address: 'Not found; write it another way or tap the map',
    pub_category: 'Kind of problem', pub_choose: 'Choose…', pub_category_promise: 'This kind: answered within {respond}, solved within {resolve}',
    pub_description: 'What is wrong', pub_description_placeholder: 'What happened? Where exactly (which entrance)?',
    pub_add_photos: 'Add photos (up to 3)', pub_remove_photo: 'Remove the photo', pub_photo: 'Photo',
    pub_phone: 'Mobile phone', pub_email: 'E-mail',
    pub_consent: 'I agree that the contact above is kept only to tell me how this case goes (taken on, solved, closed); it is not published or used for anything else.',
    pub_send: 'Send', pub_sending: 'Sending…', pub_need_place: 'Tap the place on the map, or type an address',
    pub_need_category: 'Choose the kind of problem', pub_need_description: 'Describe the problem', pub_need_consent: 'Tick the consent to leave a contact',
    pub_offline: 'No network; try again in a moment — what you filled in stays', pub_received: 'Report received', pub_code: 'Case',
    pub_keep_link: 'Keep this link to follow your case: it shows how it goes, and lets you rate it once it is closed. It is yours alone; do not pass it on.',
    pub_copy: 'Copy the link', pub_copied: 'Copied', pub_open_link: 'Follow it', pub_another: 'Report another problem',
    pub_my_reports: 'My reports on this phone',
    pub_follow_title: 'My report · Gridmap', pub_next: 'Next', pub_note: 'From the city',
    pub_reported_at: 'Reported', pub_respond_by: 'Answer due', pub_resolve_by: 'Solution due', pub_responded_at: 'Answered',
    pub_resolved_at: 'Handled', pub_closed_at: 'Closed', pub_steps: 'Progress', pub_promise_line: 'Promised: an answer within {respond}, solved within {resolve}',
    pub_step_received: 'Received', pub_step_assigned: 'Sent to the grid worker', pub_step_accepted: 'Taken on', pub_step_started: 'Work started',
    pub_step_resolved: 'Handled', pub_step_closed: 'Closed', pub_step_merged: 'Merged', pub_step_rejected: 'Not taken on',
    pub_step_reopened: 'Taken up again', pub_step_escalated: 'Sent up a level', pub_step_rated: 'Rated',
    pub_mine: 'What you reported', pub_contact_line: 'We tell you at {contact}',
    pub_no_contact: 'You left no contact: follow the case with this link', pub_public_yes: 'This case is among the public cases (without your words or contact)',
    pub_rate_title: 'Rate the result', pub_star_1: 'Very poor', pub_star_2: 'Poor', pub_star_3: 'Fair', pub_star_4: 'Good', pub_star_5: 'Very good',
    pub_comment: 'Comment (optional)', pub_comment_needed: 'Comment (needed: what is still wrong)', pub_not_solved: 'Not solved: send it back',
    pub_need_stars: 'Choose how many stars', pub_send_rating: 'Send the rating', pub_your_rating: 'Your rating',
    pub_load_failed: 'Could not load; reload the page', pub_public_title: 'Public cases · Gridmap', pub_public_heading: 'Public cases',
    pub_all_categories: 'All kinds', pub_all_statuses: 'Any status', pub_open: 'Open', pub_closed: 'Ended',
    pub_count: '{n} cases in the last 90 days', pub_more: 'Show {n} more ({left} left)', pub_none: 'No case matches', pub_restricted: 'Place and details not public',
    pub_in_charge: 'In charge', pub_expected: 'Due', pub_public_about: 'Shown here: the kind of problem, a rough place (about 100 m), the status and the city\'s note; never the reporter\'s words or contact.',
    pub_nav_mine: 'My reports', pub_outside_city: 'This place is outside the area the city serves; tap a place inside the city\'s outline on the map',
    pub_zoom_closer: 'Zoomed in: now tap the exact place of the problem', pub_area_chosen: 'Moved to {name}: now tap the exact place of the problem on the map',
    pub_need_spot: 'Tap the exact place of the problem on the map', pub_kind_community: 'Community', pub_kind_street: 'Street', pub_kind_place: 'Place',
    pub_chars_left: '{n} characters left', pub_chars_over: '{n} characters too many: please shorten it', pub_too_long: 'At most {most} characters: {n} too many; shorten it before sending',
    pub_told_sms: 'We will text you when it is taken on, solved and closed.', pub_told_email: 'We will e-mail you when it is taken on, solved and closed.',
    pub_told_both: 'We will text and e-mail you when it is taken on, solved and closed.',
    pub_mine_about: 'The problems reported from this phone (the last 10); tap a code to follow it.', pub_mine_none: 'No reports from this phone yet.',
    pub_gone: 'This link is not valid, or it has expired.', pub_gone_report: 'Report a problem',
    pub_gone_help: 'On the phone you reported from, open “My reports” to find the case; if it is not there, report it again.',
  },
};

const stored = localStorage.getItem('gridmap.lang');
export let lang = stored || (navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en');

export function t(key) {
  return catalogues[lang][key] ?? catalogues.en[key] ?? key;
}

// Names in the data come in both languages: name_zh / name_en.
export function localName(props) {
  return (lang === 'zh' ? props.name_zh : props.name_en) || props.name_zh || props.name_en || props.name || props.code || '';
}

export function translatePage(titleKey = 'title') {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  document.title = t(titleKey);
}

// A pair of names from the API ({zh, en}) in the reader's language.
export function pick(names) {
  if (!names) return '';
  return (lang === 'zh' ? names.zh : names.en) || names.zh || names.en || names.code || '';
}

// "1:05:09" for a number of seconds; a day or more as "2d 3:04:05".
export function duration(seconds) {
  const s = Math.abs(Math.round(seconds));
  const days = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60]
    .map((v, i) => (i === 0 ? String(v) : String(v).padStart(2, '0'))).join(':');
  return days ? `${days}${lang === 'zh' ? '天' : 'd'} ${hms}` : hms;
}

export function switchLanguage() {
  lang = lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('gridmap.lang', lang);
}

// "另有 {n} 条" with its blanks filled
export function tf(key, values) {
  return t(key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

// Times as the city reads them: in its time zone (set once by the page), whatever the zone of
// the browser showing them.
let zone;
export function setTimeZone(name) { zone = name || undefined; }
const formats = new Map();
export function when(value, style = 'datetime') {
  if (value === null || value === undefined) return '–';
  const key = `${lang}|${style}|${zone}`;
  if (!formats.has(key)) {
    const options = { timeZone: zone, hour12: false,
      ...(style === 'time' ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
        : style === 'short' ? { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }
          : style === 'day' ? { month: 'numeric', day: 'numeric' }
            : { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }) };
    formats.set(key, new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', options));
  }
  return formats.get(key).format(typeof value === 'number' ? value : new Date(value));
}

// A deadline as a day and a time of day, "10月9日 10:30" / "10:30 on 9 Oct" (with the year when
// it is not this year's): a limit in working time may end days after a holiday.
export function dueAt(value) {
  if (value === null || value === undefined) return '–';
  const moment = new Date(value);
  const locale = lang === 'zh' ? 'zh-CN' : 'en-GB';
  const year = (d) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric' }).format(d);
  const date = new Intl.DateTimeFormat(locale, { timeZone: zone, day: 'numeric', month: lang === 'zh' ? 'long' : 'short',
    ...(year(moment) === year(new Date()) ? {} : { year: 'numeric' }) }).format(moment);
  const time = new Intl.DateTimeFormat(locale, { timeZone: zone, hour: '2-digit', minute: '2-digit', hour12: false }).format(moment);
  return tf('due_at', { date, time });
}
