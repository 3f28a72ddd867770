// This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
// The dispatch board: every action goes to the board's JSON routes, which
// run the tours' own methods as the logged-in user (routes.py).
(function() {
    'use strict';
    var database = decodeURIComponent(location.pathname.split('/')[1]);
    var base = '/' + encodeURIComponent(database) + '/dispatch';
    var state = {board: null, labels: {}, selected: new Set(), timer: null,
        map: null, layers: null, pending: null, filters: {}};
    var $ = function(id) { return document.getElementById(id); };

    function label(name) { return state.labels[name] || name; }

    function applyLabels() {
        document.querySelectorAll('[data-label]').forEach(function(el) {
            var text = state.labels[el.dataset.label];
            if (text) { el.textContent = text; }
        });
        if (state.labels.title) { document.title = state.labels.title; }
    }

    function say(text, isError) {
        var status = $('status');
        status.textContent = text || '';
        status.className = isError ? 'error' : '';
    }

    function request(method, path, body) {
        var options = {method: method, credentials: 'same-origin',
            headers: {'Accept': 'application/json'}};
        if (body) {
            options.headers['Content-Type'] = 'application/json';
            options.body = JSON.stringify(body);
        }
        return fetch(base + path, options).then(function(response) {
            return response.json().then(function(data) {
                data._code = response.status;
                return data;
            });
        });
    }

    function day() { return $('date').value; }

    function load(notice) {
        return request('GET', '/data?date=' + encodeURIComponent(day()))
            .then(function(data) {
                if (data._code === 401) { return showLogin(); }
                if (data._code !== 200) {
                    say(data.message || String(data._code), true);
                    return;
                }
                show(data);
                if (notice) { say(notice); }
            });
    }

    function showLogin() {
        stopPolling();
        $('board').hidden = true;
        $('login').hidden = false;
        return request('GET', '/labels').then(function(data) {
            state.labels = data.labels || {};
            applyLabels();
        });
    }

    $('login').addEventListener('submit', function(event) {
        event.preventDefault();
        var form = event.target;
        fetch('/' + encodeURIComponent(database) + '/session/login', {
            method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({method: 'common.db.login', params: [
                form.login.value, {password: form.password.value},
                navigator.language.slice(0, 2)]}),
        }).then(function(response) {
            if (response.ok) {
                form.password.value = '';
                $('login').hidden = true;
                load();
            } else {
                $('login-error').textContent = label('login_failed');
                $('login-error').hidden = false;
            }
        });
    });

    // Polling for the changes of others
    function startPolling() {
        stopPolling();
        var seconds = state.board.settings.poll_seconds || 10;
        state.timer = setInterval(function() {
            if (state.pending) { return; }
            request('GET', '/stamp?date=' + encodeURIComponent(day()))
                .then(function(data) {
                    if (data._code === 401) { return showLogin(); }
                    if (data.stamp && state.board
                            && data.stamp !== state.board.stamp) {
                        load(label('refreshed'));
                    }
                });
        }, seconds * 1000);
    }

    function stopPolling() {
        if (state.timer) { clearInterval(state.timer); }
        state.timer = null;
    }

    // Actions
    function act(path, body, done) {
        state.pending = {path: path, body: body, done: done};
        body.date = day();
        return request('POST', path, body).then(function(data) {
            state.pending = null;
            if (data.status === 'ok') {
                state.selected.clear();
                merge(data.changes);
                say(done);
            } else if (data.status === 'warning') {
                ask(data, path, body, done);
            } else if (data.status === 'login') {
                showLogin();
            } else {
                say(data.message || String(data._code), true);
                // The board as it now is (a stale tour, a refusal)
                load().then(function() {
                    say(data.message || String(data._code), true);
                });
            }
        });
    }

    function ask(warning, path, body, done) {
        var dialog = $('dialog');
        $('dialog-message').textContent = warning.message;
        dialog.hidden = false;
        $('dialog-ok').focus();
        $('dialog-ok').onclick = function() {
            dialog.hidden = true;
            body.skip = (body.skip || []).concat([warning.name]);
            act(path, body, done);
        };
        $('dialog-cancel').onclick = function() {
            dialog.hidden = true;
            say('');
        };
    }
    document.addEventListener('keydown', function(event) {
        if (event.key === 'Escape' && !$('dialog').hidden) {
            $('dialog-cancel').click();
        }
    });

    function tourOf(riderId) {
        var lane = state.board.riders.find(function(r) {
            return r.id === riderId; });
        return lane ? lane.tour : null;
    }

    function tourOfTask(taskId) {
        return state.board.riders.map(function(r) { return r.tour; })
            .find(function(t) {
                return t && t.tasks.some(function(k) {
                    return k.id === taskId; });
            });
    }

    function versions(tours) {
        var result = {};
        tours.forEach(function(tour) {
            if (tour) { result[tour.id] = tour.version; }
        });
        return result;
    }

    function assign(riderId, what, index) {
        // what: {deliveries: [ids]} or {tasks: [ids]}
        var tours = [tourOf(riderId)];
        (what.tasks || []).forEach(function(id) {
            tours.push(tourOfTask(id));
        });
        var body = {rider: riderId, deliveries: what.deliveries || [],
            tasks: what.tasks || [], versions: versions(tours)};
        if (index !== undefined && index !== null) { body.index = index; }
        return act('/assign', body, label('assigned'));
    }

    function reorder(tour, order) {
        return act('/reorder', {tour: tour.id, tasks: order,
            version: tour.version}, label('reordered'));
    }

    function unassign(taskIds) {
        var tours = taskIds.map(tourOfTask);
        return act('/unassign', {tasks: taskIds, versions: versions(tours)},
            label('unassigned'));
    }

    // Drawing
    function hhmm(value) { return value ? value.slice(11, 16) : ''; }

    function storeName(id) {
        var store = state.board.stores.find(function(s) {
            return s.id === id; });
        return store ? store.name : '';
    }

    function riderColor(index) {
        return 'hsl(' + Math.round((index * 137.5) % 360) + ', 65%, 40%)';
    }

    function fillSelect(select, values, current) {
        select.textContent = '';
        var all = document.createElement('option');
        all.value = '';
        all.textContent = label('all');
        select.appendChild(all);
        values.forEach(function(value) {
            var option = document.createElement('option');
            option.value = value[0];
            option.textContent = value[1];
            select.appendChild(option);
        });
        select.value = current || '';
    }

    function filtered() {
        var f = state.filters;
        return state.board.unassigned.filter(function(d) {
            return (!f.slot || d.slot === f.slot)
                && (!f.zone || d.zone === f.zone)
                && (!f.store || String(d.store) === f.store);
        });
    }

    function show(board) {
        state.board = board;
        state.labels = board.labels;
        applyLabels();
        $('login').hidden = true;
        $('board').hidden = false;
        var slots = Array.from(new Set(board.unassigned.map(function(d) {
            return d.slot; }).filter(Boolean))).sort();
        fillSelect($('filter-slot'), slots.map(function(s) {
            return [s, s]; }), state.filters.slot);
        fillSelect($('filter-zone'), board.zones.map(function(z) {
            return [z, z]; }), state.filters.zone);
        fillSelect($('filter-store'), board.stores.map(function(s) {
            return [String(s.id), s.name]; }), state.filters.store);
        var bulk = $('bulk-rider');
        var current = bulk.value;
        bulk.textContent = '';
        board.riders.forEach(function(rider, i) {
            var option = document.createElement('option');
            option.value = rider.id;
            option.textContent = (i + 1) + '. ' + rider.name;
            bulk.appendChild(option);
        });
        if (current) { bulk.value = current; }
        var open = new Set(board.unassigned.map(function(d) {
            return d.id; }));
        state.selected.forEach(function(id) {
            if (!open.has(id)) { state.selected.delete(id); }
        });
        drawUnassigned();
        drawLanes();
        drawMap();
        startPolling();
    }

    function merge(changes) {
        // An action's answer: the lanes and deliveries it changed
        var board = state.board;
        board.stamp = changes.stamp;
        changes.riders.forEach(function(lane) {
            var i = board.riders.findIndex(function(r) {
                return r.id === lane.id; });
            if (i >= 0) { board.riders[i] = lane; }
        });
        Object.keys(changes.deliveries).forEach(function(key) {
            var id = parseInt(key, 10);
            board.unassigned = board.unassigned.filter(function(d) {
                return d.id !== id; });
            if (changes.deliveries[key]) {
                board.unassigned.push(changes.deliveries[key]);
            }
        });
        board.unassigned.sort(function(a, b) {
            var x = a.tasks[0].after || '', y = b.tasks[0].after || '';
            return x < y ? -1 : x > y ? 1 : a.id - b.id;
        });
        show(board);
    }

    function drawUnassigned() {
        var list = $('unassigned');
        list.textContent = '';
        var deliveries = filtered();
        $('unassigned-count').textContent = '(' + deliveries.length + ')';
        deliveries.forEach(function(delivery) {
            var item = document.createElement('li');
            item.className = 'card';
            item.tabIndex = 0;
            item.draggable = true;
            item.dataset.delivery = delivery.id;
            item.setAttribute('role', 'option');
            item.setAttribute('aria-selected',
                state.selected.has(delivery.id) ? 'true' : 'false');
            var ref = document.createElement('div');
            ref.className = 'ref';
            ref.textContent = (delivery.reference || '#' + delivery.id)
                + ' · ' + storeName(delivery.store);
            item.appendChild(ref);
            delivery.tasks.forEach(function(task) {
                var meta = document.createElement('div');
                meta.className = 'meta';
                meta.textContent = label(task.type) + ' '
                    + hhmm(task.after) + '–' + hhmm(task.before) + ' '
                    + task.address;
                item.appendChild(meta);
            });
            item.addEventListener('dragstart', function(event) {
                var ids = state.selected.has(delivery.id)
                    ? Array.from(state.selected) : [delivery.id];
                event.dataTransfer.setData('text/plain',
                    JSON.stringify({deliveries: ids}));
            });
            item.addEventListener('click', function() {
                toggle(delivery.id);
            });
            item.addEventListener('keydown', function(event) {
                if (event.key === ' ' || event.key === 'Enter') {
                    event.preventDefault();
                    toggle(delivery.id);
                    focusCard(delivery.id);
                }
            });
            list.appendChild(item);
        });
        $('unassigned').setAttribute('role', 'listbox');
        $('unassigned').setAttribute('aria-multiselectable', 'true');
        $('selected-count').textContent = state.selected.size
            ? state.selected.size + ' ' + label('selected') : '';
    }

    function focusCard(id) {
        var card = document.querySelector(
            '.card[data-delivery="' + id + '"]');
        if (card) { card.focus(); }
    }

    function toggle(id) {
        if (state.selected.has(id)) {
            state.selected.delete(id);
        } else {
            state.selected.add(id);
        }
        drawUnassigned();
        drawMap();
    }

    $('bulk-assign').addEventListener('click', function() {
        var rider = parseInt($('bulk-rider').value, 10);
        if (!rider || !state.selected.size) { return; }
        assign(rider, {deliveries: Array.from(state.selected)});
    });
    ['slot', 'zone', 'store'].forEach(function(name) {
        $('filter-' + name).addEventListener('change', function(event) {
            state.filters[name] = event.target.value;
            drawUnassigned();
            drawMap();
        });
    });
    $('date').addEventListener('change', function() { load(); });

    // The unassigned list takes tasks back
    var unassignedList = $('unassigned');
    dropTarget(unassignedList, function(data) {
        if (data.tasks) { unassign(data.tasks); }
    });

    function dropTarget(element, handle) {
        element.addEventListener('dragover', function(event) {
            event.preventDefault();
            element.classList.add('over');
        });
        element.addEventListener('dragleave', function() {
            element.classList.remove('over');
        });
        element.addEventListener('drop', function(event) {
            event.preventDefault();
            element.classList.remove('over');
            var data;
            try {
                data = JSON.parse(event.dataTransfer.getData('text/plain'));
            } catch (e) {
                return;
            }
            handle(data, event);
        });
    }

    function timeRange() {
        var times = [];
        state.board.riders.forEach(function(rider) {
            (rider.tour ? rider.tour.tasks : []).forEach(function(t) {
                [t.after, t.before, t.eta].forEach(function(v) {
                    if (v) { times.push(new Date(v).getTime()); }
                });
            });
        });
        var dayStart = new Date(state.board.date + 'T00:00:00').getTime();
        var hour = 3600 * 1000;
        var start = dayStart + 8 * hour, end = dayStart + 20 * hour;
        if (times.length) {
            start = Math.min(start, Math.floor(
                (Math.min.apply(null, times) - dayStart) / hour) * hour
                + dayStart);
            end = Math.max(end, Math.ceil(
                (Math.max.apply(null, times) - dayStart) / hour) * hour
                + dayStart);
        }
        return [start, end];
    }

    function drawLanes() {
        var lanes = $('lanes');
        lanes.textContent = '';
        var range = timeRange();
        var span = range[1] - range[0];
        var pct = function(value) {
            return ((new Date(value).getTime() - range[0]) / span * 100)
                + '%';
        };
        state.board.riders.forEach(function(rider, i) {
            var lane = document.createElement('div');
            lane.className = 'lane';
            lane.dataset.rider = rider.id;
            var name = document.createElement('div');
            name.className = 'rider';
            var swatch = document.createElement('span');
            swatch.className = 'swatch';
            swatch.style.background = riderColor(i);
            name.appendChild(swatch);
            name.appendChild(document.createTextNode(
                (i + 1) + '. ' + rider.name));
            var shift = document.createElement('div');
            shift.className = 'meta';
            if (rider.on_shift === false) {
                lane.classList.add('off-shift');
                shift.textContent = label('off_shift');
            } else {
                shift.textContent = rider.shifts.join(', ');
            }
            name.appendChild(shift);
            lane.appendChild(name);
            var body = document.createElement('div');
            var timeline = document.createElement('div');
            timeline.className = 'timeline';
            timeline.setAttribute('aria-hidden', 'true');
            for (var h = range[0]; h < range[1]; h += 3600 * 1000) {
                var tick = document.createElement('span');
                tick.className = 'hour';
                tick.style.left = ((h - range[0]) / span * 100) + '%';
                tick.textContent = new Date(h).getHours() + 'h';
                timeline.appendChild(tick);
            }
            var tasks = rider.tour ? rider.tour.tasks : [];
            tasks.forEach(function(task) {
                if (task.after && task.before) {
                    var win = document.createElement('span');
                    win.className = 'window';
                    win.style.left = pct(task.after);
                    win.style.width = ((new Date(task.before) - new Date(
                        task.after)) / span * 100) + '%';
                    timeline.appendChild(win);
                }
                if (task.eta) {
                    var dot = document.createElement('span');
                    dot.className = 'eta' + (task.late ? ' late' : '');
                    dot.style.left = pct(task.eta);
                    dot.style.background = task.late ? '' : riderColor(i);
                    timeline.appendChild(dot);
                }
            });
            body.appendChild(timeline);
            var chips = document.createElement('ul');
            chips.className = 'chips drop';
            chips.setAttribute('aria-label', rider.name);
            if (!tasks.length) {
                var none = document.createElement('li');
                none.className = 'meta';
                none.textContent = label('no_tour');
                chips.appendChild(none);
            }
            tasks.forEach(function(task, position) {
                chips.appendChild(chip(rider, task, position));
            });
            dropTarget(chips, function(data, event) {
                var index = dropIndex(chips, event);
                if (data.deliveries) {
                    assign(rider.id, {deliveries: data.deliveries}, index);
                } else if (data.tasks) {
                    var moving = data.tasks;
                    if (rider.tour && data.tour === rider.tour.id) {
                        var ids = rider.tour.tasks.map(function(t) {
                            return t.id; });
                        var before = ids.slice(0, index).filter(function(id) {
                            return moving.indexOf(id) < 0; }).length;
                        var rest = ids.filter(function(id) {
                            return moving.indexOf(id) < 0; });
                        var order = rest.slice(0, before).concat(moving,
                            rest.slice(before));
                        if (order.join() !== ids.join()) {
                            reorder(rider.tour, order);
                        }
                    } else {
                        assign(rider.id, {tasks: moving}, index);
                    }
                }
            });
            body.appendChild(chips);
            lane.appendChild(body);
            lanes.appendChild(lane);
        });
    }

    function dropIndex(chips, event) {
        // Before the first chip whose middle is right of or below the drop
        var items = Array.from(chips.querySelectorAll('.chip'));
        for (var i = 0; i < items.length; i++) {
            var box = items[i].getBoundingClientRect();
            if (event.clientY < box.top) { return i; }
            if (event.clientY <= box.bottom
                    && event.clientX < box.left + box.width / 2) {
                return i;
            }
        }
        return items.length;
    }

    function chip(rider, task, position) {
        var item = document.createElement('li');
        var over = ['done', 'failed', 'cancelled'].indexOf(task.status) >= 0;
        item.className = 'chip ' + task.type + (task.late ? ' late' : '')
            + (over ? ' over' : '');
        item.tabIndex = 0;
        item.dataset.task = task.id;
        var title = document.createElement('div');
        title.textContent = (position + 1) + '. ' + label(task.type) + ' '
            + (task.reference || '#' + task.delivery);
        if (task.late) {
            var mark = document.createElement('span');
            mark.className = 'late-mark';
            mark.textContent = ' ⚠ ' + label('late');
            title.appendChild(mark);
        }
        item.appendChild(title);
        var meta = document.createElement('div');
        meta.className = 'meta';
        meta.textContent = label('eta') + ' ' + hhmm(task.eta) + ' · '
            + label('window') + ' ' + hhmm(task.after) + '–'
            + hhmm(task.before) + ' · ' + task.address;
        item.appendChild(meta);
        item.title = storeName(task.store);
        if (!over) {
            item.draggable = true;
            item.addEventListener('dragstart', function(event) {
                event.stopPropagation();
                event.dataTransfer.setData('text/plain', JSON.stringify(
                    {tasks: [task.id], tour: rider.tour.id}));
            });
        }
        item.addEventListener('keydown', function(event) {
            var ids = rider.tour.tasks.map(function(t) { return t.id; });
            var to = null;
            if (event.altKey && event.key === 'ArrowUp') { to = position - 1; }
            if (event.altKey && event.key === 'ArrowDown') {
                to = position + 1;
            }
            if (to !== null) {
                event.preventDefault();
                if (to < 0 || to >= ids.length || over) { return; }
                ids.splice(position, 1);
                ids.splice(to, 0, task.id);
                reorder(rider.tour, ids).then(function() {
                    var again = document.querySelector(
                        '.chip[data-task="' + task.id + '"]');
                    if (again) { again.focus(); }
                });
            } else if ((event.key === 'u' || event.key === 'U') && !over) {
                event.preventDefault();
                unassign([task.id]);
            }
        });
        return item;
    }

    // Shift-drag on the map draws a box: the open deliveries with a task
    // in it are added to the selection (then assigned at once)
    function boxSelect(map) {
        var start = null, box = null;
        map.getContainer().addEventListener('mousedown', function(event) {
            if (!event.shiftKey || event.button !== 0) { return; }
            // Before Leaflet's own dragging of the map
            event.preventDefault();
            event.stopPropagation();
            map.dragging.disable();
            start = map.mouseEventToLatLng(event);
            box = L.rectangle(L.latLngBounds(start, start), {
                color: '#f2b705', weight: 2, dashArray: '4 4',
                fillOpacity: 0.1, interactive: false}).addTo(map);
        }, true);
        document.addEventListener('mousemove', function(event) {
            if (!start) { return; }
            box.setBounds(L.latLngBounds(start,
                map.mouseEventToLatLng(event)));
        });
        document.addEventListener('mouseup', function(event) {
            if (!start) { return; }
            var bounds = L.latLngBounds(start, map.mouseEventToLatLng(event));
            map.removeLayer(box);
            start = box = null;
            map.dragging.enable();
            filtered().forEach(function(delivery) {
                if (delivery.tasks.some(function(task) {
                        return task.lat !== null && task.lon !== null
                            && bounds.contains([task.lat, task.lon]);
                    })) {
                    state.selected.add(delivery.id);
                }
            });
            drawUnassigned();
            drawMap();
        });
    }

    function drawMap() {
        if (typeof L === 'undefined') { return; }
        var settings = state.board.settings;
        if (!state.map) {
            state.map = L.map('map', {keyboard: true, boxZoom: false});
            if (settings.tile_url) {
                L.tileLayer(settings.tile_url, {maxZoom: 19,
                    attribution: settings.tile_attribution}).addTo(state.map);
            }
            state.layers = L.layerGroup().addTo(state.map);
            state.fitted = false;
            boxSelect(state.map);
        }
        state.layers.clearLayers();
        var points = [];
        var marker = function(task, color, selected, onclick) {
            if (task.lat === null || task.lon === null) { return null; }
            var point = [task.lat, task.lon];
            points.push(point);
            var m = L.circleMarker(point, {radius: selected ? 9 : 6,
                color: selected ? '#f2b705' : color, weight: selected ? 4 : 2,
                fillColor: color, fillOpacity: task.type === 'pickup'
                    ? 0.9 : 0.4,
                className: 'task-' + task.id});
            m.bindTooltip((task.reference || '#' + task.delivery) + ' · '
                + label(task.type) + ' ' + hhmm(task.after) + '–'
                + hhmm(task.before) + (task.late ? ' ⚠ ' + label('late')
                    : ''));
            if (onclick) { m.on('click', onclick); }
            m.addTo(state.layers);
            return point;
        };
        filtered().forEach(function(delivery) {
            var selected = state.selected.has(delivery.id);
            var line = [];
            delivery.tasks.forEach(function(task) {
                var p = marker(task, '#e07b00', selected, function() {
                    toggle(delivery.id);
                });
                if (p) { line.push(p); }
            });
            if (line.length > 1) {
                L.polyline(line, {color: '#e07b00', weight: 2,
                    dashArray: '4 4'}).addTo(state.layers);
            }
        });
        var statusColors = {done: '#2e7d32', failed: '#c62828',
            cancelled: '#888888', doing: '#1565c0'};
        state.board.riders.forEach(function(rider, i) {
            if (!rider.tour) { return; }
            var color = riderColor(i);
            var line = [];
            rider.tour.tasks.forEach(function(task) {
                var p = marker(task, statusColors[task.status] || color,
                    false, null);
                if (p) { line.push(p); }
            });
            if (line.length > 1) {
                L.polyline(line, {color: color, weight: 3, opacity: 0.8})
                    .addTo(state.layers);
            }
        });
        if (!state.fitted && points.length) {
            state.map.fitBounds(points, {padding: [20, 20]});
            state.fitted = true;
        } else if (!state.fitted) {
            state.map.setView([45.76, 4.84], 13);
        }
    }

    $('date').value = new URLSearchParams(location.search).get('date')
        || new Date().toISOString().slice(0, 10);
    load();
}());
