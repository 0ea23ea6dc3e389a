// The guest screen of one tap. The agent pushes whole states over server-sent events; each is drawn from scratch,
// so nothing of one guest is left on the page when the next state arrives. Text only goes in via textContent.
(function () {
  'use strict';

  var OFFLINE = 'Offline: pours are recorded, new cards wait for the connection.';
  var root = document.getElementById('screen');
  var view = root.querySelector('.view');
  var tapName = root.querySelector('.tap-name');
  var link = root.querySelector('.link');
  var notice = root.querySelector('.notice');
  var match = /^\/taps\/(\d+)\/?$/.exec(location.pathname);
  var updates = 0;
  var formatters = {};

  function el(tag, cls, text, testId) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    if (testId) e.setAttribute('data-testid', testId);
    return e;
  }

  function money(amount, currency) {
    if (amount === null || amount === undefined) return '';
    var key = currency || '';
    if (!formatters[key]) {
      formatters[key] = currency
        ? new Intl.NumberFormat(undefined, { style: 'currency', currency: currency })
        : new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    return formatters[key].format(amount);
  }

  function ml(volume) {
    return volume >= 1000 ? parseFloat((volume / 1000).toFixed(2)) + ' L' : volume + ' ml';
  }

  function beer(s) {
    var box = el('div', 'beer');
    box.appendChild(el('h1', 'beer-name', s.beerName || s.tapName, 'beer-name'));
    var facts = [];
    if (s.beerStyle) facts.push(s.beerStyle);
    if (s.abv !== null && s.abv !== undefined) facts.push(s.abv.toFixed(1) + ' % ABV');
    if (facts.length) box.appendChild(el('p', 'beer-facts', facts.join(' · '), 'beer-facts'));
    if (s.pricePer100Ml !== null && s.pricePer100Ml !== undefined) {
      var price = el('p', 'price', null, 'price');
      price.appendChild(el('span', 'amount', money(s.pricePer100Ml, s.currency)));
      price.appendChild(el('span', 'unit', ' per 100 ml'));
      box.appendChild(price);
    }
    return box;
  }

  function message(headline, detail, tone) {
    var box = el('div', 'message ' + (tone || ''));
    box.appendChild(el('h1', 'headline', headline, 'headline'));
    if (detail) box.appendChild(el('p', 'detail', detail, 'message'));
    return box;
  }

  function figure(label, value, cls, testId) {
    var f = el('div', 'figure ' + (cls || ''));
    f.appendChild(el('span', 'label', label));
    f.appendChild(el('span', 'value', value, testId));
    return f;
  }

  var phases = {
    connecting: function () { return message('Connecting to the tap…', null, 'muted'); },
    starting: function () { return message('Starting…', 'Waiting for the bar\u2019s server to set up this tap.', 'muted'); },
    idle: function (s) {
      var box = el('div', 'idle');
      box.appendChild(beer(s));
      var cta = el('p', 'cta', null, 'cta');
      cta.appendChild(el('span', 'card-icon'));
      cta.appendChild(el('span', null, 'Present your card'));
      box.appendChild(cta);
      return box;
    },
    checking: function () {
      var box = message('Checking your card…', null, 'muted');
      box.insertBefore(el('span', 'spinner'), box.firstChild);
      return box;
    },
    allowed: function (s) {
      var box = el('div', 'guest');
      box.appendChild(el('h1', 'greeting', s.guestFirstName ? 'Hi, ' + s.guestFirstName + '!' : 'Hi!', 'guest-name'));
      var row = el('div', 'figures');
      row.appendChild(figure('Balance', money(s.balance, s.currency), null, 'balance'));
      row.appendChild(figure('You may pour', ml(s.maxVolumeMl), 'accent', 'max-volume'));
      box.appendChild(row);
      box.appendChild(el('p', 'cta go', 'Start pouring'));
      return box;
    },
    pouring: function (s) {
      var box = el('div', 'pour');
      box.appendChild(el('p', 'who', s.guestFirstName || '', 'guest-name'));
      box.appendChild(el('p', 'volume', ml(s.volumeMl), 'volume'));
      var meter = el('div', 'meter');
      var fill = el('div', 'fill');
      var share = s.maxVolumeMl > 0 ? Math.min(1, s.volumeMl / s.maxVolumeMl) : 0;
      fill.style.width = (share * 100).toFixed(1) + '%'; // a CSSOM property, not an inline style attribute: CSP allows it
      meter.appendChild(fill);
      meter.setAttribute('role', 'progressbar');
      meter.setAttribute('aria-valuemin', '0');
      meter.setAttribute('aria-valuemax', String(s.maxVolumeMl || 0));
      meter.setAttribute('aria-valuenow', String(s.volumeMl));
      meter.setAttribute('aria-label', 'Poured of ' + ml(s.maxVolumeMl || 0));
      box.appendChild(meter);
      box.appendChild(el('p', 'meter-caption', 'up to ' + ml(s.maxVolumeMl || 0)));
      var row = el('div', 'figures');
      // The tap's own estimate at the price the bar sent (per litre, rounded to the cent like the bar charges);
      // the bar's exact charge replaces it once the pour is settled.
      row.appendChild(figure('Cost (estimate)', money(s.cost, s.currency), 'accent', 'cost'));
      row.appendChild(figure('Balance left (estimate)', money(s.balanceLeft, s.currency), null, 'balance-left'));
      box.appendChild(row);
      box.appendChild(el('p', 'small', 'The bar charges the exact amount when you finish.', 'estimate-note'));
      return box;
    },
    finished: function (s) {
      var box = el('div', 'done');
      box.appendChild(el('h1', 'greeting', s.guestFirstName ? 'Cheers, ' + s.guestFirstName + '!' : 'Cheers!', 'guest-name'));
      var row = el('div', 'figures');
      row.appendChild(figure('You poured', ml(s.volumeMl), null, 'total-volume'));
      row.appendChild(figure(s.estimated ? 'Total (estimate)' : 'Total charged', money(s.cost, s.currency), 'accent', 'total'));
      row.appendChild(figure(s.estimated ? 'New balance (estimate)' : 'New balance', money(s.balanceLeft, s.currency), null, 'new-balance'));
      box.appendChild(row);
      box.appendChild(el('p', 'small', s.estimated ? 'The bar confirms the charge in a moment.' : 'Charged. Enjoy!', 'confirmation'));
      return box;
    },
    denied: function (s) { return message('Sorry, no pour', s.message || 'Please see the staff.', 'alert'); },
    offline: function () { return message('Offline', 'Pours are recorded, new cards wait for the connection.', 'warn'); },
    cleaning: function () { return message('Cleaning in progress', 'This tap is being cleaned. It will be back shortly.', 'info'); },
    locked: function () { return message('Tap closed', 'This tap is locked for now. Please ask the staff.', 'info'); },
    out_of_keg: function (s) { return message('Changing the keg', (s.tapName || 'This tap') + ' will be back in a moment.', 'info'); },
    syncing: function () { return message('One moment', 'The tap is catching up with the bar\u2019s server.', 'muted'); },
    pairing: function (s) { return message('Pairing code ' + (s.pairingCode || ''), 'An admin enters this code in the dashboard: Controllers, Adopt a controller.', 'info'); }
  };

  function render(s) {
    var phase = phases[s.phase] ? s.phase : 'starting';
    root.setAttribute('data-phase', phase);
    root.setAttribute('data-seq', String(s.seq));
    tapName.textContent = s.tapName;
    document.title = s.tapName + (s.beerName ? ' \u2013 ' + s.beerName : '');
    link.textContent = s.online ? 'online' : 'offline';
    link.className = 'link ' + (s.online ? 'up' : 'down');
    view.replaceChildren(phases[phase](s));
    var showNotice = !s.online && phase !== 'offline';
    notice.hidden = !showNotice;
    notice.textContent = showNotice ? OFFLINE : '';
    updates += 1;
    root.setAttribute('data-updates', String(updates));
  }

  function lost() {
    root.setAttribute('data-phase', 'connecting');
    link.textContent = 'no signal';
    link.className = 'link down';
    view.replaceChildren(message('This screen lost its tap', 'Reconnecting…', 'muted'));
    notice.hidden = true;
  }

  if (!match) { lost(); return; }
  var source = new EventSource('/taps/' + match[1] + '/events');
  source.addEventListener('state', function (e) { render(JSON.parse(e.data)); });
  source.onerror = function () { if (source.readyState !== EventSource.OPEN) lost(); };
})();
