#include "sim/kv/timeline.h"

#include "sim/kit/trace.h"

namespace ringkv::sim {
namespace {

std::string version_text(const Version& version) {
  return version.is_zero() ? std::string("none") : version.to_string();
}

// The page: data first (DATA), then the script that draws it. Kept in one string so the
// output needs nothing else.
constexpr const char* kPageHead = R"HTML(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ringkv kvsim timeline</title>
<style>
body{font:13px sans-serif;margin:8px;background:#fff;color:#222}
#bar{margin:4px 0}#bar button{margin-right:4px}
svg{border:1px solid #ccc;background:#fafafa}
.lane-label{font-weight:bold}.legend span{display:inline-block;margin-right:12px}
table{border-collapse:collapse;margin-top:8px}td,th{border:1px solid #ddd;padding:2px 6px}
tr.bad{background:#fdd}pre{background:#f4f4f4;padding:6px;white-space:pre-wrap}
</style></head><body>
<h3 id="title">kvsim timeline</h3>
<div id="summary"></div>
<div id="bar"><button id="zin">zoom in</button><button id="zout">zoom out</button>
<button id="left">&larr;</button><button id="right">&rarr;</button><button id="all">whole run</button>
<button id="atv">at the violation</button>
key: <input id="key" size="14" placeholder="all keys"> <span id="view"></span></div>
<div class="legend"><span style="color:#2a2">&#9632; ok</span><span style="color:#36c">&#9632; not found</span>
<span style="color:#e80">&#9632; failed</span><span style="color:#999">&#9632; indeterminate</span>
<span style="color:#c00">&#9633; violation</span><span style="background:#ddd">crashed</span>
<span style="background:#ffeaa0">paused</span><span style="background:#fcd">partitioned</span></div>
<svg id="timeline" width="1300" height="400"></svg>
<div id="notes"></div>
<h4>History of the violating key</h4><table id="history"></table>
<h4>Options</h4><pre id="options"></pre>
<script>
const DATA = )HTML";

constexpr const char* kPageTail = R"HTML(;
(function(){
const W=1300, LEFT=60, LANE=70, TOP=20, MAXMSG=3000;
const svg=document.getElementById('timeline');
const nodes=DATA.nodes, ops=DATA.ops, ev=DATA.events;
svg.setAttribute('height', TOP+LANE*nodes.length+30);
const colors={ok:'#2a2',not_found:'#36c',failed:'#e80',indeterminate:'#999',pending:'#999'};
const bad=new Set(DATA.violation?DATA.violation.ops:[]);
// Fault spans per node and for the whole cluster.
const spans=[], marks=[], msgs=[];
const open={crash:{},pause:{}}; let part=null;
for(const e of ev){
  if(e.kind==='crash'){open.crash[e.process]=e.t;}
  else if(e.kind==='restart'){const s=open.crash[e.process]; if(s!==undefined){spans.push({p:e.process,a:s,b:e.t,c:'#ddd',n:'crashed'}); delete open.crash[e.process];}}
  else if(e.kind==='pause'){spans.push({p:e.process,a:e.t,b:e.t+e.ms,c:'#ffeaa0',n:'paused'});}
  else if(e.kind==='partition'){if(part===null)part={a:e.t,n:e.shape};}
  else if(e.kind==='heal'||e.kind==='liveness'){if(part!==null){spans.push({p:-1,a:part.a,b:e.t,c:'#fcd',n:'partition '+part.n}); part=null;}}
  else if(e.kind==='send'&&e.at){for(const at of e.at)msgs.push({a:e.t,b:at,f:e.from,to:e.to,w:e.what||''});}
  else if(['power-failure','disk-wipe','bit-flip-at-rest','crash-point','fatal-store-error','store-set-aside','disk-full','clog'].includes(e.kind)){marks.push({t:e.t,p:(e.process!==undefined?e.process:(e.from!==undefined?e.from:-1)),n:e.kind});}
}
for(const p in open.crash)spans.push({p:+p,a:open.crash[p],b:DATA.end,c:'#ddd',n:'crashed'});
if(part!==null)spans.push({p:-1,a:part.a,b:DATA.end,c:'#fcd',n:'partition '+part.n});
let t0=0,t1=Math.max(DATA.end,1);
const keyBox=document.getElementById('key');
function x(t){return LEFT+(t-t0)*(W-LEFT-10)/(t1-t0);}
function y(p){return TOP+p*LANE;}
function esc(s){return String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
function draw(){
  const key=keyBox.value.trim(); const out=[];
  for(const s of spans){if(s.b<t0||s.a>t1)continue; const a=Math.max(x(s.a),LEFT),b=Math.min(x(s.b),W);
    const yy=s.p<0?TOP:y(s.p), h=s.p<0?LANE*nodes.length:LANE;
    out.push(`<rect class="fault" x="${a}" y="${yy}" width="${Math.max(b-a,1)}" height="${h}" fill="${s.c}" opacity="${s.p<0?0.35:0.8}"><title>${esc(s.n)} ${s.a}..${s.b} ms</title></rect>`);}
  nodes.forEach((n,i)=>{out.push(`<g class="lane"><line x1="${LEFT}" x2="${W}" y1="${y(i)+LANE}" y2="${y(i)+LANE}" stroke="#ccc"/><text class="lane-label" x="4" y="${y(i)+LANE/2}">${esc(n)}</text></g>`);});
  let drawn=0, hidden=0;
  for(const m of msgs){ if(m.b<t0||m.a>t1)continue; if(key&&!m.w.includes(key))continue;
    if(drawn>=MAXMSG){hidden++;continue;} drawn++;
    const c=m.w.startsWith('gossip')||m.w.startsWith('ae-')?'#bbb':(m.w.startsWith('read')?'#36c':(m.w.startsWith('version')?'#a3c':'#444'));
    out.push(`<line class="msg" x1="${x(m.a)}" y1="${y(m.f)+LANE*0.2}" x2="${x(m.b)}" y2="${y(m.to)+LANE*0.2}" stroke="${c}" stroke-width="0.7"><title>${esc(nodes[m.f])} → ${esc(nodes[m.to])} ${m.a}→${m.b} ms: ${esc(m.w)}</title></line>`);}
  let shown=0;
  for(const o of ops){ if(key&&o.key!==key)continue; const end=o.complete||DATA.end; if(end<t0||o.invoke>t1)continue; shown++;
    const yy=y(o.coordinator)+LANE*0.45+(o.client%6)*5; const a=x(o.invoke), b=Math.max(x(end),a+1.5);
    const v=bad.has(o.id);
    out.push(`<rect class="op${v?' violation':''}" x="${a}" y="${yy}" width="${b-a}" height="4" fill="${colors[o.result]||'#999'}" stroke="${v?'#c00':'none'}" stroke-width="${v?2:0}"><title>op ${o.id} client ${o.client} ${o.kind} ${esc(o.key)}${o.value?' = '+esc(o.value):''} via ${esc(nodes[o.coordinator])} [${o.invoke}..${o.complete||'?'} ms] → ${o.result}${o.version?' '+o.version:''}</title></rect>`);}
  for(const m of marks){ if(m.t<t0||m.t>t1)continue; const yy=m.p<0?TOP:y(m.p);
    out.push(`<text class="mark" x="${x(m.t)}" y="${yy+12}" fill="#c00" font-size="11">&#9889;<title>${esc(m.n)} at ${m.t} ms</title></text>`);}
  if(DATA.violation&&DATA.violation.t>=t0&&DATA.violation.t<=t1){const vx=x(DATA.violation.t);
    out.push(`<line class="violation-time" x1="${vx}" x2="${vx}" y1="${TOP}" y2="${TOP+LANE*nodes.length}" stroke="#c00" stroke-dasharray="4 3"/>`);}
  svg.innerHTML=out.join('');
  document.getElementById('view').textContent=`${Math.round(t0)}..${Math.round(t1)} ms, ${shown} ops, ${drawn} messages`+(hidden?` (${hidden} more: zoom in)`:'');
}
function zoom(f,c){const mid=c!==undefined?c:(t0+t1)/2, half=Math.max((t1-t0)*f/2,5); t0=Math.max(0,mid-half); t1=Math.min(Math.max(DATA.end,1),mid+half); if(t1<=t0)t1=t0+10; draw();}
document.getElementById('zin').onclick=()=>zoom(0.5);
document.getElementById('zout').onclick=()=>zoom(2);
document.getElementById('left').onclick=()=>{const d=(t1-t0)/2; t0=Math.max(0,t0-d); t1=t0+2*d; draw();};
document.getElementById('right').onclick=()=>{const d=(t1-t0)/2; t1=Math.min(DATA.end,t1+d); t0=t1-2*d; if(t0<0)t0=0; draw();};
document.getElementById('all').onclick=()=>{t0=0;t1=Math.max(DATA.end,1);draw();};
document.getElementById('atv').onclick=()=>{if(DATA.violation){keyBox.value=DATA.violation.key; t0=Math.max(0,DATA.violation.t-2000); t1=DATA.violation.t+500; draw();}};
svg.addEventListener('wheel',e=>{e.preventDefault(); const r=svg.getBoundingClientRect(); const t=t0+(e.clientX-r.left-LEFT)*(t1-t0)/(W-LEFT-10); zoom(e.deltaY<0?0.7:1.4,t);});
keyBox.addEventListener('input',draw);
const v=DATA.violation;
document.getElementById('title').textContent=v?`VIOLATION of ${v.invariant} at ${v.t} ms on key "${v.key}"`:'kvsim timeline: no violation';
document.getElementById('summary').textContent=(v?v.detail+' — ':'')+`${nodes.length} nodes, ${ops.length} client operations, ${msgs.length} message deliveries, ${DATA.end} ms`;
document.getElementById('options').textContent=DATA.options;
if(v){const rows=['<tr><th>op</th><th>client</th><th>kind</th><th>value</th><th>via</th><th>invoke..complete ms</th><th>result</th><th>version</th></tr>'];
  for(const o of ops){if(o.key!==v.key)continue; rows.push(`<tr class="${bad.has(o.id)?'bad':''}"><td>${o.id}</td><td>${o.client}</td><td>${o.kind}</td><td>${esc(o.value)}</td><td>${esc(nodes[o.coordinator])}</td><td>${o.invoke}..${o.complete||'?'}</td><td>${o.result}</td><td>${o.version||''}</td></tr>`);}
  document.getElementById('history').innerHTML=rows.join('');
  t0=Math.max(0,v.t-2000); t1=v.t+500; keyBox.value=v.key;}
draw();
})();
</script></body></html>
)HTML";

}  // namespace

std::string describe_message(const Message& message) {
  return std::visit(
      [](const auto& body) -> std::string {
        using T = std::decay_t<decltype(body)>;
        std::string kind = message_kind_name(MessageBody(body));
        if constexpr (std::is_same_v<T, ReplicaWrite>) {
          return kind + " " + body.key + " " + version_text(body.entry.version) +
                 (body.entry.tombstone ? " delete" : "") + (body.fresh ? "" : " write-back");
        } else if constexpr (std::is_same_v<T, ReplicaWriteAck>) {
          return kind + " " + version_text(body.current) + (body.superseded ? " superseded" : "");
        } else if constexpr (std::is_same_v<T, VersionQuery> || std::is_same_v<T, ReplicaRead>) {
          return kind + " " + body.key;
        } else if constexpr (std::is_same_v<T, VersionQueryReply>) {
          return kind + " " + version_text(body.version);
        } else if constexpr (std::is_same_v<T, ReplicaReadReply>) {
          return kind + " " + (body.entry ? version_text(body.entry->version) : "nothing");
        } else if constexpr (std::is_same_v<T, SyncEntries>) {
          return kind + " " + std::to_string(body.entries.size()) + " entries";
        } else {
          return kind;
        }
      },
      message.body);
}

std::string render_timeline_html(const TimelineInput& input) {
  std::string data = "{\"nodes\":[";
  for (size_t i = 0; i < input.nodes.size(); ++i) data += (i ? "," : "") + json_quote(input.nodes[i]);
  data += "],\"end\":" + std::to_string(input.end_ms) + ",\"options\":" + json_quote(input.options);
  data += ",\"violation\":";
  if (input.violation) {
    const Violation& v = *input.violation;
    data += "{\"invariant\":" + json_quote(v.invariant) + ",\"key\":" + json_quote(v.key) +
            ",\"t\":" + std::to_string(v.time_ms) + ",\"detail\":" + json_quote(v.detail) +
            ",\"ops\":[";
    for (size_t i = 0; i < v.op_ids.size(); ++i) data += (i ? "," : "") + std::to_string(v.op_ids[i]);
    data += "]}";
  } else {
    data += "null";
  }
  data += ",\"ops\":[";
  bool first = true;
  for (const Op& op : input.history->ops) {
    data += first ? "" : ",";
    first = false;
    data += "{\"id\":" + std::to_string(op.id) + ",\"client\":" + std::to_string(op.client) +
            ",\"kind\":\"" + client_op_name(op.kind) + "\",\"key\":" + json_quote(op.key) +
            ",\"value\":" + json_quote(op.value.size() > 40 ? op.value.substr(0, 40) + "..." : op.value) +
            ",\"coordinator\":" + std::to_string(op.coordinator) +
            ",\"invoke\":" + std::to_string(op.invoke_ms) +
            ",\"complete\":" + std::to_string(op.complete_ms) + ",\"result\":\"" +
            op_result_name(op.result) + "\",\"version\":" +
            json_quote(op.version.is_zero() ? "" : op.version.to_string()) + "}";
  }
  data += "],\"events\":[";
  first = true;
  for (const std::string& line : *input.events) {
    data += first ? "" : ",";
    first = false;
    data += line;
  }
  data += "]}";
  // The data sits inside a <script>: "</" must not close it.
  std::string safe;
  safe.reserve(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '<' && i + 1 < data.size() && data[i + 1] == '/') {
      safe += "<\\/";
      ++i;
    } else {
      safe += data[i];
    }
  }
  return std::string(kPageHead) + safe + kPageTail;
}

}  // namespace ringkv::sim
