// Vite bundles imported stylesheets into a .css file (the CSP allows only 'self' styles).
declare module '*.css';
