// Progressive enhancement only: every form works without this file.
'use strict';

document.addEventListener('click', (event) => {
  const button = event.target.closest('button.copy');
  if (!button) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    const label = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// Upload with a progress bar; the server answers the same page (HTML) for the result.
const form = document.getElementById('upload');
if (form && window.XMLHttpRequest) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const bar = document.getElementById('progress');
    const text = document.getElementById('progress-text');
    const button = form.querySelector('button[type=submit]');
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.round((e.loaded / e.total) * 100);
      bar.hidden = false;
      bar.value = pct;
      bar.textContent = `${pct}%`;
      text.textContent = pct < 100 ? `Uploading… ${pct}%` : 'Checking and signing…';
    });
    xhr.addEventListener('load', () => {
      const doc = new DOMParser().parseFromString(xhr.responseText, 'text/html');
      const outcome = doc.getElementById('upload-outcome');
      // Anything but the upload page (e.g. the sign-in page after an expired session) replaces the page.
      if (!outcome) return void document.body.replaceWith(doc.body);
      document.getElementById('upload-outcome').replaceWith(outcome);
      bar.hidden = true;
      text.textContent = '';
      button.disabled = false;
      form.reset();
      document.getElementById('upload-outcome').scrollIntoView();
    });
    xhr.addEventListener('error', () => {
      text.textContent = 'The upload failed (connection lost). Try again.';
      button.disabled = false;
    });
    button.disabled = true;
    xhr.send(new FormData(form));
  });
}
