import escapeHtml from 'escape-html';
import { BROWSER_SIGN_IN } from '../core/auth';
import { TRUE_IS_BAD } from '../core/conditions';

/**
 * The status page (`GET /api/ui`): one HTML document, no build step, no external fetch (CDNs are
 * unreachable from many hubs). The summary of every forward is rendered here, on the server, so
 * it reads without JavaScript; the details (conditions, the path as a picture, connections, probes,
 * recent actions) are filled in by the inline script polling the JSON API. A forward that serves
 * while its last drift repair failed (Synced False, phase Ready or Degraded) says so above its
 * conditions; the private link service's box shows NatPortsAvailable's reason when it is not True
 * (the API gives NAT port usage only through that condition). Every value from a
 * forward (names, reasons, ARM messages) is escaped here, and the script only ever sets
 * textContent: data is never markup.
 *
 * Sign-in: the script's fetches go to the same origin with `credentials: 'same-origin'` (fetch's
 * default, written out) and add no Authorization header, so a browser signed in through App
 * Service authentication sends its session cookie with each, and Easy Auth hands the app the
 * session's ID token (functions/auth.ts `tokenOf`). A 401 (the ID token expired, about an hour
 * after sign-in) shows a link to sign in again.
 */
export interface ForwardSummary {
  name: string;
  phase: string;
  deleting: boolean;
  nodes: { total: number; healthy: number };
  connections: { approved: number; pending: number; rejected: number };
  /** Conditions that are not True, as "Type: reason". */
  problems: string[];
}

/** App Service authentication's sign-in for Entra ID, back to this page afterwards. */
export const SIGN_IN_URL = BROWSER_SIGN_IN;

export function renderStatusPage(forwards: readonly ForwardSummary[], now: string, options: { signIn?: boolean } = {}): string {
  const rows = forwards.length
    ? forwards
        .map(
          (f) => `<tr data-forward="${escapeHtml(f.name)}">
  <td><a href="#fw-${escapeHtml(f.name)}">${escapeHtml(f.name)}</a></td>
  <td><span class="phase phase-${escapeHtml(f.phase.toLowerCase())}">${escapeHtml(f.deleting ? 'Deleting' : f.phase)}</span></td>
  <td class="num">${f.nodes.healthy}/${f.nodes.total}</td>
  <td class="num">${f.connections.approved}</td>
  <td class="num">${f.connections.pending}</td>
  <td class="num">${f.connections.rejected}</td>
  <td>${f.problems.map((p) => `<div class="problem">${escapeHtml(p)}</div>`).join('') || '<span class="ok">—</span>'}</td>
</tr>`,
        )
        .join('\n')
    : '<tr><td colspan="7" class="empty">No forwards yet. PUT /api/forwards/{name} creates one.</td></tr>';
  const details = forwards
    .map(
      (f) => `<details class="forward" id="fw-${escapeHtml(f.name)}" data-forward="${escapeHtml(f.name)}"${forwards.length <= 5 ? ' open' : ''}>
  <summary><strong>${escapeHtml(f.name)}</strong> <span class="phase phase-${escapeHtml(f.phase.toLowerCase())}">${escapeHtml(f.phase)}</span></summary>
  <div class="detail" aria-live="polite"><p class="loading">loading…</p></div>
</details>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>private-link-forwarder — status</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>private-link-forwarder</h1><p class="muted">Forwards as of ${escapeHtml(now)} · details refresh every 5 s · JSON: <a href="/api/forwards">/api/forwards</a>${options.signIn ? ` · <a href="${SIGN_IN_URL}" id="sign-in">sign in again</a> · <a href="/.auth/logout">sign out</a>` : ''}</p></header>
<main>
<table class="summary">
<thead><tr><th>forward</th><th>phase</th><th>nodes healthy</th><th>approved</th><th>pending</th><th>rejected</th><th>needs attention</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${details}
</main>
<script>${SCRIPT}</script>
</body>
</html>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{background:#0b3d62;color:#fff;padding:12px 20px}header h1{margin:0;font-size:20px}header a{color:#cde}
.muted{color:#9ab;margin:4px 0 0}main{padding:16px 20px}
table{border-collapse:collapse;background:#fff;width:100%;margin-bottom:16px}th,td{border:1px solid #d0d7de;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef2f6}.num{text-align:right}.empty{color:#666;font-style:italic}
.phase{padding:1px 8px;border-radius:10px;font-size:12px;background:#ddd}.phase-ready{background:#c8f7d2}.phase-degraded,.phase-updating,.phase-provisioning{background:#fff1bf}.phase-failed{background:#ffd1d1}.phase-deleting{background:#e2e2e2}
.problem{color:#a40e26}.ok{color:#2a7}
details.forward{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin-bottom:12px;padding:8px 12px}summary{cursor:pointer;font-size:16px}
.cond-True{color:#1a7f37}.cond-False{color:#cf222e}.cond-Unknown{color:#9a6700}
svg.path{width:100%;max-width:1100px;height:auto;display:block;margin:8px 0}svg text{font:12px system-ui,sans-serif}
.bad{fill:#ffd1d1;stroke:#cf222e}.good{fill:#dafbe1;stroke:#1a7f37}.neutral{fill:#eef2f6;stroke:#57606a}.warn{fill:#fff1bf;stroke:#9a6700}
h3{margin:14px 0 4px;font-size:14px}.spark rect.fail{fill:#cf222e}.spark rect.ok{fill:#1a7f37}`;

/** Browser-side: polls the JSON API of every open forward and draws its details with DOM calls only. */
const SCRIPT = `
(function(){
  'use strict';
  var SVG='http://www.w3.org/2000/svg';
  var TRUE_IS_BAD=${JSON.stringify([...TRUE_IS_BAD])};
  function el(tag,attrs,text){var e=document.createElement(tag);if(attrs)for(var k in attrs)e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=String(text);return e;}
  function sv(tag,attrs,text){var e=document.createElementNS(SVG,tag);if(attrs)for(var k in attrs)e.setAttribute(k,String(attrs[k]));if(text!==undefined)e.textContent=String(text);return e;}
  function get(url){return fetch(url,{credentials:'same-origin',headers:{accept:'application/json'}}).then(function(r){if(r.status===401){signedOut();return null;}return r.ok?r.json():null;}).catch(function(){return null;});}
  function signedOut(){if(document.getElementById('signed-out'))return;var p=el('p',{id:'signed-out','class':'problem'},'Your session ended. ');var a=el('a',{href:'${SIGN_IN_URL}'},'Sign in');p.appendChild(a);document.querySelector('main').prepend(p);}
  function table(head,rows){var t=el('table');var tr=el('tr');head.forEach(function(h){tr.appendChild(el('th',null,h));});var th=el('thead');th.appendChild(tr);t.appendChild(th);var tb=el('tbody');rows.forEach(function(r){var row=el('tr');r.forEach(function(c){var td=el('td');if(c&&c.nodeType)td.appendChild(c);else td.textContent=c==null?'':String(c);row.appendChild(td);});tb.appendChild(row);});t.appendChild(tb);return t;}
  function box(g,x,y,w,h,cls,lines){g.appendChild(sv('rect',{x:x,y:y,width:w,height:h,rx:6,'class':cls}));lines.forEach(function(l,i){g.appendChild(sv('text',{x:x+8,y:y+16+i*15},l));});}
  function arrow(g,x1,y1,x2,y2){g.appendChild(sv('line',{x1:x1,y1:y1,x2:x2,y2:y2,stroke:'#57606a','stroke-width':1.5,'marker-end':'url(#arr)'}));}
  function cond(st,type){return (st.conditions||[]).filter(function(c){return c.type===type;})[0];}
  function short(s,n){s=String(s==null?'':s);return s.length>n?s.slice(0,n-1)+'…':s;}
  function drawPath(f){
    var st=f.status||{};var conns=st.connections||[];var nodes=st.nodes||[];var targets=(f.spec&&f.spec.targets)||[];
    var rows=Math.max(conns.length,nodes.length,targets.length,1);var h=Math.max(110,rows*44+30);
    var s=sv('svg',{'class':'path',viewBox:'0 0 1100 '+h,role:'img','aria-label':'path of forward '+f.name});
    var defs=sv('defs');var m=sv('marker',{id:'arr',markerWidth:8,markerHeight:8,refX:7,refY:4,orient:'auto'});m.appendChild(sv('path',{d:'M0,0 L8,4 L0,8 z',fill:'#57606a'}));defs.appendChild(m);s.appendChild(defs);
    var g=sv('g');s.appendChild(g);
    var mid=h/2-22;
    if(!conns.length)box(g,10,mid,200,44,'neutral',['no consumer endpoints']);
    conns.slice(0,12).forEach(function(c,i){var dns=(c.dns||[])[0];var cls=c.state==='Approved'?(dns&&dns.state!=='written'?'warn':'good'):c.state==='Pending'?'warn':'bad';box(g,10,10+i*44,200,38,cls,[short(c.privateEndpointId.split('/').pop(),26)+' · '+c.state,dns?short(dns.fqdn+' '+(dns.ip||dns.state),30):'no record']);arrow(g,210,29+i*44,258,mid+22);});
    var natc=cond(st,'NatPortsAvailable');var nat=natc&&natc.status!=='True'?' · NAT '+natc.reason:'';
    box(g,260,mid,220,44,st.privateLinkServiceAlias?'neutral':'warn',['Private Link Service'+nat,short(st.privateLinkServiceAlias||'not yet provisioned',32)]);
    arrow(g,480,mid+22,528,mid+22);
    box(g,530,mid,150,44,st.frontendIp?'neutral':'warn',['LB frontend',st.frontendIp||'—']);
    nodes.forEach(function(n,i){var y=10+i*44;arrow(g,680,mid+22,728,y+19);var cls=n.health==='healthy'?'good':n.health==='unknown'?'warn':'bad';var last=(n.recycles&&n.recycles.length)?' · '+n.recycles[n.recycles.length-1].action:'';box(g,730,y,170,38,cls,['node '+n.instanceId+' '+(n.ip||''),n.health+last]);});
    targets.forEach(function(t,i){var y=10+i*44;nodes.forEach(function(n,j){arrow(g,900,10+j*44+19,948,y+19);});box(g,950,y,140,38,'neutral',['target',t]);});
    return s;
  }
  function spark(runs){var s=sv('svg',{'class':'spark',width:Math.max(60,runs.length*10),height:30,role:'img','aria-label':'probe latency'});var max=1;runs.forEach(function(r){max=Math.max(max,r.latencyMs||0);});runs.slice().reverse().forEach(function(r,i){var hh=r.ok?Math.max(3,Math.round(26*(r.latencyMs||0)/max)):28;s.appendChild(sv('rect',{x:i*10,y:30-hh,width:8,height:hh,'class':r.ok?'ok':'fail'},''));});return s;}
  function render(box0,f,actions,probes){
    var d=el('div');var st=f.status||{};
    d.appendChild(el('h3',null,'Conditions'));
    d.appendChild(table(['type','status','reason','message','since'],(st.conditions||[]).map(function(c){var bad=TRUE_IS_BAD.indexOf(c.type)>=0?c.status==='True':c.status!=='True';var s=el('span',{'class':bad?(c.status==='Unknown'?'cond-Unknown':'cond-False'):'cond-True'},c.status);return [c.type,s,c.reason,c.message,c.lastTransitionTime];})));
    var sy=cond(st,'Synced');
    if(sy&&sy.status==='False'&&st.phase!=='Failed')d.appendChild(el('p',{'class':'problem'},'Serving as last provisioned (generation '+sy.observedGeneration+'); its last drift repair failed: '+sy.reason+': '+sy.message));
    else if(st.error)d.appendChild(el('p',{'class':'problem'},'Error '+st.error.code+': '+st.error.message));
    d.appendChild(el('h3',null,'Path'));d.appendChild(drawPath(f));
    d.appendChild(el('h3',null,'Connections'));
    d.appendChild(table(['endpoint','subscription','state','decision','reason','DNS record'],(st.connections||[]).map(function(c){var r=(c.dns||[]).map(function(v){return v.fqdn+' '+(v.ip||'')+' ('+v.state+(v.message?': '+v.message:'')+')';}).join('; ');return [c.privateEndpointId.split('/').pop(),c.subscriptionId,c.state,c.decision,c.reason+(c.problem?' — '+c.problem:''),r||'—'];})));
    if(probes&&probes.length){d.appendChild(el('h3',null,'Probes'));var p=el('div');p.appendChild(spark(probes.map(function(r){var ports=r.ports||[];var ok=r.outcome?r.outcome==='ok':ports.every(function(x){return x.ok;});var lat=0;ports.forEach(function(x){lat=Math.max(lat,x.latencyMs||0);});return {ok:ok,latencyMs:lat};})));d.appendChild(p);
      d.appendChild(table(['time','subnet','result','detail'],probes.slice(0,10).map(function(r){var ports=r.ports||[];var bad=ports.filter(function(x){return !x.ok;});return [r.finishedAt||r.startedAt||'',String(r.subnetId||'').split('/').pop(),r.outcome||(bad.length?'failed':'ok'),(r.code?r.code+': ':'')+(bad.map(function(x){return (x.port||'')+': '+(x.stage||'')+(x.connect?' '+x.connect:'')+' '+(x.detail||'');}).join('; ')||r.detail||'')];})));}
    d.appendChild(el('h3',null,'Recent actions'));
    d.appendChild(table(['time','actor','action','target','reason'],(actions||[]).map(function(a){return [a.time,a.actor,a.action,a.target,a.reason];})));
    box0.replaceChildren(d);
  }
  function refresh(){
    document.querySelectorAll('details.forward[open]').forEach(function(det){
      var name=det.getAttribute('data-forward');var target=det.querySelector('.detail');var base='/api/forwards/'+encodeURIComponent(name);
      Promise.all([get(base),get(base+'/actions?top=20'),get(base+'/probes?top=30')]).then(function(r){
        if(!r[0]){target.replaceChildren(el('p',{'class':'problem'},'not found (deleted?)'));return;}
        render(target,r[0],r[1]&&r[1].value,r[2]&&r[2].value);
        var ph=det.querySelector('summary .phase');if(ph&&r[0].status){ph.textContent=r[0].deleting?'Deleting':r[0].status.phase;ph.className='phase phase-'+String(r[0].status.phase).toLowerCase();}
      });
    });
  }
  document.querySelectorAll('details.forward').forEach(function(d){d.addEventListener('toggle',refresh);});
  refresh();setInterval(refresh,5000);
})();`;
