// The sign-in page: says when the last key was refused.
import './styles.css';

if (new URLSearchParams(location.search).has('failed')) document.getElementById('failed')?.removeAttribute('hidden');
