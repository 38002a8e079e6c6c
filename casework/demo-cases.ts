// The demo's world as plain data: the sessions, units and hand-picked real cases of the annual reports in
// ../shared/seeds/ (titles, numbers and proposers as the reports write them), plus generated cases on the
// reports' topics. How each case is staged (`batch`, `story`) is demo choice; demo-data.ts turns it into rows.
import type { AssignmentRole, Body, Disclosure, PersonRole } from "../domain/labels.ts";

/** When a case was assigned, relative to "today" (see batchDates in demo-data.ts). */
export type DemoBatch =
  | "province" // 省十三届人大三次会议 交办, about 4½ months ago
  | "cppcc" // 市政协 交办会, about 5 months ago (5-month reply: due in a few days)
  | "cppccLate" // 市政协 会后件, a month ago
  | "congress" // 市人大 交办会, about 3½ months ago (3-month reply: overdue)
  | "congressLate" // 闭会期间建议, 3½ weeks ago
  | "unsigned" // 8 working days ago, still not signed for
  | "askedBack" // 3 working days ago, the unit asks to hand it back
  | "fresh"; // yesterday

/** What has happened to the answering (主办/分办) assignments; 会办/协办 follow their 主办. */
export type DemoStory =
  | "new"
  | "unsigned"
  | "adjustAsked" // pending 调整 request (moveTo)
  | "withdrawn" // 调整 approved, re-assigned to moveTo
  | "working"
  | "extensionAsked" // pending 延期 request
  | "repliedA"
  | "repliedB" // with an open 续办 follow-up
  | "repliedC"
  | "repliedLate" // after the deadline, no feedback yet
  | "awaitingFeedback"
  | "rehandlingDue" // 不满意 about a month ago: 重新办理 due soon
  | "rehandlingLate" // 重新办理 overdue
  | "closed"
  | "closedBA"; // B reply, 续办 resolved, second reply A, closed

export interface DemoDuty {
  unit: string;
  role: AssignmentRole;
  /** Only to make one 会办 late ("working") or give a 分办 its own story. */
  story?: DemoStory;
}

export interface DemoCase {
  session: string;
  number: string; // as written: "0484" keeps its zeros
  title: string;
  proposers: string[]; // 领衔 first
  category: string;
  summary?: string;
  duties: DemoDuty[]; // the first is the 主办
  batch: DemoBatch;
  story: DemoStory;
  moveTo?: string;
  disclosure?: Disclosure;
  priority?: boolean; // 重点, led by the 主办 unit's leader
  source?: string; // the seed it comes from; generated cases have none
}

export interface DemoSession {
  name: string;
  body: Body;
  /** Overrides of the default deadlines, as stored in Session.policy. */
  policy: Record<string, unknown>;
}

export const CPPCC = "市政协五届二次会议";
export const CONGRESS = "市五届人大二次会议";
export const PROVINCE = "省十三届人大三次会议";

export const DEMO_SESSIONS: DemoSession[] = [
  // The spec's "5 months for CPPCC plenary proposals" and a 2-month 会办 window: this session's own policy.
  { name: CPPCC, body: "CPPCC", policy: { reply: { months: 5 }, opinion: { months: 2 } } },
  { name: CONGRESS, body: "CONGRESS", policy: {} },
  { name: PROVINCE, body: "CONGRESS", policy: {} },
];

export const DEMO_OFFICE = { name: "市政府督查室", aliases: ["督查室", "市督查室", "政府督查室"] };

export const DEMO_UNITS: { name: string; aliases: string[] }[] = [
  { name: "市招商和经济合作局", aliases: ["安康市招商和经济合作局", "市招商局", "招商局"] },
  { name: "云南省投资促进局", aliases: ["省投资促进局", "省投促局"] },
  { name: "云南省农业农村厅", aliases: ["省农业农村厅", "省农业厅"] },
  { name: "市农业农村局", aliases: ["市农业局", "农业农村局"] },
  { name: "市抚仙湖管理局", aliases: ["抚仙湖管理局", "市抚管局"] },
  { name: "市发展和改革委员会", aliases: ["市发改委", "发改委", "市发展改革委"] },
  { name: "市工业和信息化局", aliases: ["市工信局", "工信局"] },
  { name: "市水利局", aliases: ["水利局"] },
  { name: "市林业和草原局", aliases: ["市林草局", "林草局"] },
  { name: "市供销合作社", aliases: ["市供销社", "供销社"] },
  { name: "市行政审批服务局", aliases: ["市行政审批局", "审批局"] },
  { name: "市医疗保障局", aliases: ["市医保局", "医保局"] },
  { name: "市地方金融监督管理局", aliases: ["市地方金融监管局", "市金融监管局", "金融办"] },
  { name: "市民政局", aliases: ["民政局"] },
  { name: "市妇女联合会", aliases: ["市妇联", "妇联"] },
  { name: "市教育局", aliases: ["教育局"] },
  { name: "市交通运输局", aliases: ["市交通局", "交通局"] },
  { name: "市卫生健康委员会", aliases: ["市卫健委", "卫健委"] },
  { name: "市住房和城乡建设局", aliases: ["市住建局", "住建局"] },
  { name: "市人力资源和社会保障局", aliases: ["市人社局", "人社局"] },
  { name: "市财政局", aliases: ["财政局"] },
  { name: "寿县人民政府", aliases: ["寿县政府", "寿县"] },
];

const ANKANG = "seeds/000 安康市招商和经济合作局 2023年建议提案办理工作总结";
const YUXI = "seeds/003 玉溪市农业农村局 建议提案办理工作情况的报告";
const SEEDS_003 = "seeds/003 政协提案办理报告范文";
const YUNNAN = "seeds/004 云南省投资促进局 2020年度办理工作总结";

const lead = (unit: string): DemoDuty => ({ unit, role: "LEAD" });
const joint = (unit: string, story?: DemoStory): DemoDuty => ({ unit, role: "JOINT", ...(story ? { story } : {}) });
const assist = (unit: string): DemoDuty => ({ unit, role: "ASSIST" });

/** Real cases. Numbers the reports give are kept as written; the others got numbers in the session's style. */
export const REAL_CASES: DemoCase[] = [
  {
    session: CPPCC,
    number: "205",
    title: "关于推动我市招商引资工作高质量发展的提案",
    proposers: ["刘定东"],
    category: "招商引资",
    summary: "建议推行“一图五库两机制”工作法，加强市域招商统筹，推动考核由量向质转变，优化招商项目落地服务。",
    duties: [lead("市招商和经济合作局"), joint("市行政审批服务局")],
    batch: "cppcc",
    story: "repliedA",
    source: ANKANG,
  },
  {
    session: PROVINCE,
    number: "0484",
    title: "关于招商引资工作的建议",
    proposers: ["杨艳芳"],
    category: "招商引资",
    duties: [lead("云南省投资促进局")],
    batch: "province",
    story: "closed",
    source: YUNNAN,
  },
  {
    session: PROVINCE,
    number: "0091",
    title: "关于支持怒江打造“绿色食品牌”的建议",
    proposers: ["赵新梅"],
    category: "农业农村",
    duties: [lead("云南省农业农村厅"), assist("云南省投资促进局")], // the report names only the 协办 unit
    batch: "province",
    story: "repliedA",
    source: YUNNAN,
  },
  {
    session: CPPCC,
    number: "0072",
    title: "关于给予解决政府招商引资落驻到农村集体用地上的项目或企业用房屋以及其他附着物作为抵押办理银行贷款的建议",
    proposers: [], // the report does not name the proposer
    category: "农业农村",
    summary: "尚未列入全国改革试点范围，现行法律、政策下难以落实。",
    duties: [lead("市农业农村局"), joint("市地方金融监督管理局")],
    batch: "cppcc",
    story: "repliedC",
    source: YUXI,
  },
  {
    session: CPPCC,
    number: "0092",
    title: "关于加大我市涉农“龙头企业”扶持力度的建议",
    proposers: [], // the report does not name the proposer
    category: "农业农村",
    summary: "因省、市没有专项资金支持，建议内容难以落实。",
    duties: [lead("市农业农村局"), joint("市财政局")],
    batch: "cppcc",
    story: "repliedC",
    source: YUXI,
  },
  {
    session: CONGRESS,
    number: "0064",
    title: "关于加大我市涉农“龙头企业”扶持力度的建议",
    proposers: [], // the report does not name the proposer
    category: "农业农村",
    duties: [lead("市农业农村局"), joint("市财政局")],
    batch: "congress",
    story: "repliedC",
    source: YUXI,
  },
  ...[
    ["0105", "关于理顺管理体制，进一步加强抚仙湖径流区土地流转管理的建议", "李国民", "closed", "市抚仙湖管理局"],
    ["0117", "关于做好农村“厕所革命”后半篇文章的建议", "李益杰", "working", "市卫生健康委员会"],
    ["0123", "关于完善我市农业综合行政执法体系建设，提升执法效能的建议", "代玉华", "repliedA", ""],
  ].map(
    ([number = "", title = "", proposer = "", story = "", other = ""]): DemoCase => ({
      session: CONGRESS,
      number,
      title,
      proposers: [proposer],
      category: "农业农村",
      duties: other ? [lead("市农业农村局"), joint(other)] : [lead("市农业农村局")],
      batch: "congress",
      story: story as DemoStory,
      source: YUXI,
    }),
  ),
  {
    session: CONGRESS,
    number: "0131",
    title: "关于乡村振兴与城市建设互补发展的建议",
    proposers: ["张德生"],
    category: "乡村振兴",
    duties: [lead("市农业农村局"), { unit: "市住房和城乡建设局", role: "SEPARATE", story: "working" }],
    batch: "congress",
    story: "repliedA",
    source: YUXI,
  },
  ...[
    ["118", "关于提升我市“绿色食品牌”竞争力的建议", "九三学社玉溪市委", "closed", "市供销合作社"],
    ["124", "关于建设玉溪国际农产品交易平台（中心）的建议", "民进玉溪市委", "repliedB", "市供销合作社"],
    ["129", "关于建立农村人居环境整治长效机制的建议", "钟长生", "closed", "市住房和城乡建设局"],
    ["133", "关于优先发展农业产业，推动实施乡村振兴战略的建议", "民革玉溪市委", "repliedA", "市发展和改革委员会"],
  ].map(
    ([number = "", title = "", proposer = "", story = "", other = ""]): DemoCase => ({
      session: CPPCC,
      number,
      title,
      proposers: [proposer],
      category: "农业农村",
      duties: [lead("市农业农村局"), joint(other)],
      batch: "cppcc",
      story: story as DemoStory,
      source: YUXI,
    }),
  ),
  {
    session: CPPCC,
    number: "0966",
    title: "进一步完善家庭寄养政策的建议",
    proposers: ["市妇联"],
    category: "儿童福利",
    summary: "聚焦困境儿童，建议完善家庭寄养政策。局长牵头办理，带队走访答复交流。",
    duties: [lead("市民政局"), joint("市妇女联合会")],
    batch: "cppcc",
    story: "closed",
    priority: true,
    source: SEEDS_003,
  },
  {
    session: CPPCC,
    number: "0039",
    title: "关于进一步完善失智老人家庭照护体系的建议",
    proposers: ["九三学社市委"],
    category: "养老服务",
    summary: "机构养老开设失智症照护专区，完善家庭照护支持。局长带队上门走访座谈。",
    duties: [lead("市民政局"), joint("市卫生健康委员会")],
    batch: "cppcc",
    story: "closed",
    source: SEEDS_003,
  },
  {
    session: CPPCC,
    number: "141",
    title: "关于推进医保慢性病宽定点长处方",
    proposers: ["刘洪卫"],
    category: "医疗保障",
    duties: [lead("市医疗保障局"), joint("市卫生健康委员会")],
    batch: "cppcc",
    story: "repliedA",
    source: SEEDS_003,
  },
  {
    session: CONGRESS,
    number: "0142",
    title: "关于促进金融帮扶措施精准落地的建议",
    proposers: ["李兴平"],
    category: "金融",
    duties: [lead("市地方金融监督管理局")],
    batch: "congress",
    story: "closed",
    source: SEEDS_003,
  },
  {
    session: CPPCC,
    number: "146",
    title: "优化农村信用环境，助力乡村振兴发展",
    proposers: ["王海燕"],
    category: "金融",
    duties: [lead("市地方金融监督管理局"), joint("市农业农村局")],
    batch: "cppcc",
    story: "repliedB",
    source: SEEDS_003,
  },
  {
    session: CPPCC,
    number: "152",
    title: "关于解决新常态下小微企业融资难问题的提案",
    proposers: ["吕红心"],
    category: "金融",
    duties: [lead("市地方金融监督管理局"), joint("市工业和信息化局")],
    batch: "cppcc",
    story: "repliedA",
    source: SEEDS_003,
  },
  {
    session: CPPCC,
    number: "157",
    title: "关于建立市妇女儿童活动中心",
    proposers: ["陈晓芳", "全雅红"],
    category: "妇女儿童",
    summary: "已向市政府提交立项报告，纳入规划统筹考虑。",
    duties: [lead("市妇女联合会"), joint("市住房和城乡建设局")],
    batch: "cppcc",
    story: "repliedB",
    source: SEEDS_003,
  },
];

type Row = [number: string, title: string, category: string, proposers: string, duties: string, story: DemoStory];

/** Generated on the reports' topics. duties: "主办单位 / 会办单位,…" with a leading "协:" for 协办; `extra` by number. */
function generated(session: string, batch: DemoBatch, rows: Row[], extra: Record<string, Partial<DemoCase>> = {}) {
  return rows.map(([number, title, category, proposers, duties, story]): DemoCase => {
    const [head = "", rest = ""] = duties.split(" / ");
    const others = rest ? rest.split(",").map((u) => (u.startsWith("协:") ? assist(u.slice(2)) : joint(u))) : [];
    return {
      session,
      number,
      title,
      category,
      proposers: proposers.split("、"),
      duties: [lead(head), ...others],
      batch,
      story,
      ...extra[number],
    };
  });
}

export const GENERATED_CASES: DemoCase[] = [
  ...generated(
    CONGRESS,
    "congress",
    [
      ["0012", "关于加快农村公路提档升级的建议", "农村公路", "吴海波、郑秀兰", "市交通运输局 / 市财政局", "working"],
      ["0018", "关于推进城乡义务教育优质均衡发展的建议", "教育", "冯国庆", "市教育局", "working"],
      ["0023", "关于加快发展社区居家养老服务的建议", "养老服务", "陈立新、何玉兰", "市民政局", "working"],
      [
        "0027",
        "关于加强基层医疗卫生人才队伍建设的建议",
        "医疗卫生",
        "蒋红梅",
        "市卫生健康委员会 / 市人力资源和社会保障局",
        "working",
      ],
      [
        "0031",
        "关于优化营商环境提升招商引资实效的建议",
        "招商引资",
        "沈家明",
        "市招商和经济合作局 / 市行政审批服务局,市发展和改革委员会",
        "repliedLate",
      ],
      ["0035", "关于加快老旧小区改造的建议", "城乡建设", "韩雪梅、秦德明", "市住房和城乡建设局", "repliedA"],
      ["0041", "关于扩大异地就医直接结算范围的建议", "医疗保障", "杨永康", "市医疗保障局", "repliedA"],
      ["0046", "关于推进城乡客运一体化的建议", "农村公路", "朱晓燕", "市交通运输局", "repliedB"],
      ["0052", "关于加强农村饮水安全工程管护的建议", "水利", "尤春霞", "市水利局 / 市卫生健康委员会", "repliedB"],
      ["0058", "关于加大乡村教师住房保障力度的建议", "教育", "许振华", "市教育局 / 市住房和城乡建设局", "repliedC"],
      ["0069", "关于规范校外培训机构管理的建议", "教育", "施美玲", "市教育局", "rehandlingLate"],
      [
        "0073",
        "关于提高城乡居民基本养老保险待遇的建议",
        "社会保障",
        "吕建国",
        "市人力资源和社会保障局 / 市财政局",
        "rehandlingDue",
      ],
      ["0077", "关于加强地方金融风险防范化解的建议", "金融", "孙丽萍", "市地方金融监督管理局", "closed"],
      ["0081", "关于推进林下经济发展的建议", "林业", "钱志刚", "市林业和草原局 / 协:市农业农村局", "closed"],
      ["0086", "关于加快县域商业体系建设的建议", "商贸流通", "周建华", "市供销合作社 / 市发展和改革委员会", "repliedA"],
    ],
    {
      "0023": { duties: [lead("市民政局"), joint("市卫生健康委员会", "working")] }, // a 会办 late with its opinion
      "0077": { disclosure: "NOT_PUBLIC" },
    },
  ),
  ...generated(
    CONGRESS,
    "congressLate",
    [
      ["0203", "关于加强农村公路养护管理的建议", "农村公路", "卫东升", "市住房和城乡建设局", "withdrawn"],
      [
        "0207",
        "关于推进医养结合养老服务体系建设的建议",
        "养老服务",
        "郑秀兰、杨永康",
        "市卫生健康委员会 / 市民政局",
        "working",
      ],
      [
        "0211",
        "关于支持返乡创业园区建设的建议",
        "就业创业",
        "褚文静",
        "市人力资源和社会保障局 / 市农业农村局",
        "working",
      ],
      ["0215", "关于加快数字乡村建设的建议", "农业农村", "冯国庆", "市农业农村局 / 市工业和信息化局", "working"],
    ],
    { "0203": { moveTo: "市交通运输局" }, "0207": { priority: true } },
  ),
  ...generated(CONGRESS, "unsigned", [
    ["0221", "关于解决城区停车难问题的建议", "城市管理", "沈家明", "市住房和城乡建设局", "unsigned"],
    ["0224", "关于加强中小学心理健康教育的建议", "教育", "何玉兰", "市教育局 / 市卫生健康委员会", "unsigned"],
    ["0226", "关于提升农村电商物流配送能力的建议", "商贸流通", "吴海波", "市供销合作社 / 市交通运输局", "unsigned"],
  ]),
  ...generated(
    CONGRESS,
    "askedBack",
    [["0229", "关于加强城市内涝治理的建议", "城乡建设", "秦德明", "市水利局", "adjustAsked"]],
    { "0229": { moveTo: "市住房和城乡建设局" } },
  ),
  ...generated(CONGRESS, "fresh", [
    ["0231", "关于扩大普惠托育服务供给的建议", "妇女儿童", "蒋红梅", "市卫生健康委员会 / 市妇女联合会", "new"],
    ["0232", "关于推进农村集体经济组织规范发展的建议", "农业农村", "钱志刚", "市农业农村局", "new"],
    ["0233", "关于加强高标准农田建设管护的建议", "农业农村", "尤春霞、许振华", "市农业农村局 / 市水利局", "new"],
  ]),
  ...generated(
    CPPCC,
    "cppcc",
    [
      [
        "112",
        "关于加强产业链招商的提案",
        "招商引资",
        "民建市委",
        "市招商和经济合作局 / 市工业和信息化局,市发展和改革委员会",
        "working",
      ],
      ["126", "关于深化“一件事一次办”改革的提案", "营商环境", "市工商联", "市行政审批服务局", "working"],
      [
        "131",
        "关于加快寿县古城保护利用的提案",
        "文化旅游",
        "方国华、孙丽萍",
        "寿县人民政府 / 市住房和城乡建设局",
        "working",
      ],
      [
        "137",
        "关于扩大门诊慢特病医保保障范围的提案",
        "医疗保障",
        "农工党市委",
        "市医疗保障局 / 市卫生健康委员会",
        "extensionAsked",
      ],
      ["142", "关于加强安丰塘灌区水利设施建设的提案", "水利", "方国华", "寿县人民政府 / 市水利局", "repliedA"],
      ["148", "关于发展壮大县域特色产业的提案", "产业发展", "致公党市委", "寿县人民政府 / 协:市农业农村局", "repliedB"],
      ["153", "关于提升农村互助幸福院运营水平的提案", "养老服务", "韩雪梅", "市民政局", "repliedA"],
      ["159", "关于加强职业教育产教融合的提案", "教育", "民进市委", "市教育局 / 市人力资源和社会保障局", "closed"],
      ["164", "关于推进城镇污水管网建设的提案", "生态环境", "朱晓燕", "市住房和城乡建设局", "closed"],
      [
        "171",
        "关于支持民营企业参与重大项目建设的提案",
        "招商引资",
        "市工商联",
        "市发展和改革委员会 / 市招商和经济合作局",
        "closedBA",
      ],
      ["176", "关于加强农产品质量安全监管的提案", "农业农村", "民盟市委", "市农业农村局", "awaitingFeedback"],
      ["183", "关于完善城乡居民医保参保缴费服务的提案", "医疗保障", "施美玲", "市医疗保障局", "rehandlingDue"],
    ],
    { "164": { disclosure: "ON_REQUEST" } },
  ),
  ...generated(CPPCC, "cppccLate", [
    ["301", "关于推进智慧养老服务平台建设的提案", "养老服务", "褚文静", "市民政局 / 市工业和信息化局", "working"],
    [
      "302",
      "关于加快淮河行蓄洪区群众搬迁安置的提案",
      "水利",
      "方国华",
      "寿县人民政府 / 市水利局,市住房和城乡建设局",
      "working",
    ],
  ]),
];

export interface DemoPerson {
  name: string;
  userid: string;
  unit: string;
  role: PersonRole;
  mobile: string;
}

// Staff names are made up (common surnames × given names); userids are their pinyin, as WeCom admins usually set them.
const SURNAMES = "张 王 李 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗".split(" ");
const SURNAMES_PINYIN = "zhang wang li liu chen yang zhao huang zhou wu xu sun hu zhu gao lin he guo ma luo".split(" ");
const GIVEN = "伟 芳 敏 静 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂兰 建华 晓东 红梅".split(" ");
const GIVEN_PINYIN =
  "wei fang min jing qiang lei jun yang yong yan jie juan tao ming chao xiuying xia ping gang guilan jianhua xiaodong hongmei".split(
    " ",
  );

/** Office: two 督办 admins and a leader; every unit: a leader (签发), a liaison (联络员) and a handler (承办人). */
export const DEMO_STAFF: DemoPerson[] = [DEMO_OFFICE, ...DEMO_UNITS].flatMap((unit, u) =>
  (u === 0 ? (["admin", "admin", "leader"] as const) : (["leader", "liaison", "handler"] as const)).map((role, r) => {
    const i = u * 3 + r;
    const s = i % SURNAMES.length;
    const g = (i * 5 + Math.floor(i / SURNAMES.length)) % GIVEN.length; // pairs stay distinct for 460 people
    const mobile = `1${["38", "39", "58", "59", "86", "87", "37", "35", "50"][i % 9]}****${1000 + ((i * 7919) % 9000)}`;
    return {
      name: `${SURNAMES[s]}${GIVEN[g]}`,
      userid: `${SURNAMES_PINYIN[s]}${GIVEN_PINYIN[g]}`,
      unit: unit.name,
      role,
      mobile,
    };
  }),
);
